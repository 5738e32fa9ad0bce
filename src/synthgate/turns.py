"""Dialogue turns: one shape, ``[(speaker, text), ...]``, from the three ways datasets store them.

- a list of ``{"speaker": ..., "text": ...}`` objects (also ``{"role": ..., "content": ...}``,
  the chat-message format);
- a transcript string of ``Name: text`` lines (a line without a name continues the turn
  before it). A first line ``Participants: A; B; C`` (as in multi-persona transcripts) names
  the speakers: it is not a turn, and only lines opening with a listed name start one, so
  ``House 1: ...`` or ``Final answer: ...`` inside a turn stay part of it;
- long format, one row per turn with ``dialogue_id``, ``speaker`` and ``text`` columns: the
  loader assembles consecutive rows of one dialogue (see ``loaders.assemble_dialogues``).
"""

from __future__ import annotations

import re
from typing import Any

Turn = tuple[str, str]

MAX_SPEAKER = 60
"""Characters a speaker's name may have before its colon."""
_PARTICIPANTS = re.compile(r"^\s*participants\s*:(.*)$", re.IGNORECASE)


def _participants(lines: list[str]) -> tuple[set[str] | None, list[str]]:
    """The speakers named by a ``Participants: A; B`` first line, and the lines after it."""
    body = [line for line in lines if line.strip()]
    match = _PARTICIPANTS.match(body[0]) if body else None
    names = {n.strip() for n in re.split(r"[;,]", match.group(1)) if n.strip()} if match else None
    return (names, lines[lines.index(body[0]) + 1 :]) if names else (None, lines)


def _is_speaker(name: str, participants: set[str] | None) -> bool:
    if participants is not None:
        return name in participants
    return bool(name) and not name.startswith(("http", "-", "*")) and not name[0].isdigit()


def _speaker_line(line: str) -> tuple[str, str] | None:
    """``(name, text)`` of a ``Name: text`` line, or None (linear: no regex backtracking)."""
    head, colon, text = line.partition(":")
    name = head.strip()
    if not colon or not name or len(name) > MAX_SPEAKER:
        return None
    return name, text[1:] if text[:1].isspace() else text


def parse_transcript(transcript: str) -> list[Turn]:
    """Split a ``Name: text`` transcript into turns."""
    participants, lines = _participants(transcript.splitlines())
    parts: list[tuple[str, list[str]]] = []
    for line in lines:
        found = _speaker_line(line)
        if found and _is_speaker(found[0], participants):
            parts.append((found[0], [found[1]] if found[1] else []))
        elif parts and line.strip():
            parts[-1][1].append(line)
    return [(speaker, "\n".join(text)) for speaker, text in parts]


def _turn(item: Any) -> Turn:
    if isinstance(item, dict):
        speaker = item.get("speaker", item.get("role"))
        text = item.get("text", item.get("content"))
        if isinstance(text, str) and speaker is not None:
            return str(speaker), text
    if isinstance(item, (list, tuple)) and len(item) == 2 and isinstance(item[1], str):
        return str(item[0]), item[1]
    raise ValueError("holds a turn that is not {speaker, text}")


def parse_turns(value: Any) -> list[Turn]:
    """Turns from a list of turn objects or a transcript string; ValueError otherwise."""
    if isinstance(value, str):
        return parse_transcript(value)
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [_turn(item) for item in value]
    raise ValueError(f"holds {type(value).__name__}, expected a list of turns or a transcript")
