"""Toxicity scores from detoxify (Hanu and Unitary, 2020), loaded once, offline, on the CPU.

detoxify's classifiers (BERT, RoBERTa or ALBERT fine-tuned on the Jigsaw toxic-comment data)
give each text a probability per category: ``toxicity``, ``severe_toxicity``, ``obscene``,
``threat``, ``insult``, ``identity_attack`` (the ``unbiased`` model adds ``sexual_explicit``).
detoxify downloads its weights on first use; synthgate never downloads anything at run time.
The weights come from, in order:

1. a checkpoint given explicitly: ``--detoxify-checkpoint PATH`` or the suite parameter
   ``detoxify_checkpoint`` (the option overrides the suite);
2. the environment variable ``SYNTHGATE_DETOXIFY_CHECKPOINT``;
3. detoxify's own cache (torch hub's ``checkpoints`` directory) when it holds the file of the
   model (``original`` by default), as left there by ``synthgate models download``.

A checkpoint PATH is a detoxify checkpoint file (``torch.save`` of a dict with ``config`` and
``state_dict``), or a directory holding one ``*.ckpt`` file beside the Hugging Face config and
tokenizer files of its model (detoxify's ``huggingface_config_path``). Loading goes through
detoxify's own ``Detoxify(model_type, checkpoint, huggingface_config_path)`` with
``HF_HUB_OFFLINE=1`` and ``TRANSFORMERS_OFFLINE=1``. torch, transformers and detoxify are
imported only when a toxicity expectation runs (``pip install 'synthgate[toxicity]'``).

Without weights, ``load_detoxify`` returns an ``Unavailable`` that says why and how to fix it;
expectations report that as not evaluated, never as passed.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENV_CHECKPOINT = "SYNTHGATE_DETOXIFY_CHECKPOINT"
BATCH_SIZE = 32
CATEGORIES = (
    "toxicity",
    "severe_toxicity",
    "obscene",
    "threat",
    "insult",
    "identity_attack",
    "sexual_explicit",
)
"""detoxify's categories (``sexual_explicit``: the ``unbiased`` models only)."""
INSTALL = "pip install 'synthgate[toxicity]'"
FIX = (
    f"give weights with --detoxify-checkpoint PATH or {ENV_CHECKPOINT}, or fetch them with "
    "'synthgate models download' (docs/toxicity.md)"
)


@dataclass(frozen=True)
class Unavailable:
    """Why no scorer could be loaded, and what to do about it."""

    reason: str
    fix: str = FIX

    def message(self) -> str:
        return f"toxicity not evaluated: {self.reason}; {self.fix}"


class DetoxifyScorer:
    """A loaded detoxify model: ``score(texts)`` gives the probability of each category."""

    def __init__(self, model: Any, name: str):
        self.model = model
        self.name = name
        """Which scorer produced the values (named in every output)."""

    @property
    def categories(self) -> list[str]:
        return list(self.model.class_names)

    def score(self, texts: Sequence[str]) -> dict[str, list[float]]:
        """Scores per category, in the order of ``texts``, in batches of ``BATCH_SIZE``."""
        scores: dict[str, list[float]] = {category: [] for category in self.categories}
        for start in range(0, len(texts), BATCH_SIZE):
            predicted = self.model.predict(list(texts[start : start + BATCH_SIZE]))
            for category, values in predicted.items():
                scores[category].extend(values if isinstance(values, list) else [values])
        return scores


def checkpoint_files(path: Path) -> tuple[Path, Path | None]:
    """The checkpoint file and the Hugging Face files directory (None: from the HF cache)."""
    if path.is_dir():
        found = sorted(path.glob("*.ckpt"))
        if len(found) != 1:
            raise ValueError(f"{path} holds {len(found)} *.ckpt files; a directory needs one")
        return found[0], path
    return path, None


def load_detoxify(
    checkpoint: str = "", model_type: str = "original"
) -> DetoxifyScorer | Unavailable:
    """The scorer for ``checkpoint`` (else the environment variable, else detoxify's cache)."""
    key = (checkpoint or os.environ.get(ENV_CHECKPOINT, ""), model_type)
    if key not in _LOADED:
        found = _load(*key)
        if isinstance(found, Unavailable):  # not kept: weights may appear later in the process
            return found
        _LOADED[key] = found
    return _LOADED[key]


_LOADED: dict[tuple[str, str], DetoxifyScorer] = {}
"""Models loaded so far: each is loaded once per process."""


def _load(checkpoint: str, model_type: str) -> DetoxifyScorer | Unavailable:
    if checkpoint and not Path(checkpoint).exists():
        return Unavailable(f"the detoxify checkpoint {checkpoint} does not exist")
    if importlib.util.find_spec("detoxify") is None:
        where = f"checkpoint {checkpoint}" if checkpoint else "detoxify weights"
        return Unavailable(f"detoxify is not installed (needed for the {where})", f"run {INSTALL}")
    if not checkpoint and cached_weights(model_type) is None:
        return Unavailable(
            f"no detoxify weights (none given, no '{model_type}' model in detoxify's cache)"
        )
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    from detoxify import Detoxify  # torch and transformers: only once there are weights

    if checkpoint:
        try:
            file, config = checkpoint_files(Path(checkpoint))
            model = Detoxify(
                model_type, checkpoint=str(file), device="cpu", huggingface_config_path=config
            )
        except Exception as error:  # a foreign file: torch, pickle and transformers errors
            return Unavailable(f"detoxify could not load {checkpoint}: {one_line(error)}")
        return DetoxifyScorer(model, f"detoxify checkpoint {Path(checkpoint).name}")
    try:
        model = Detoxify(model_type, device="cpu")
    except Exception as error:  # e.g. the HF files of the base model are not cached
        return Unavailable(
            f"detoxify could not load its cached '{model_type}' model offline: {one_line(error)}"
        )
    return DetoxifyScorer(model, f"detoxify {model_type}")


def _hub_checkpoints() -> Path:
    """torch hub's ``checkpoints`` directory, found as ``torch.hub.get_dir`` finds it
    (``$TORCH_HOME/hub``, ``$TORCH_HOME`` defaulting to ``$XDG_CACHE_HOME/torch``), without
    importing torch unless it already is (then its ``set_dir`` counts)."""
    torch = sys.modules.get("torch")
    if torch is not None:
        return Path(torch.hub.get_dir()) / "checkpoints"
    cache = os.getenv("XDG_CACHE_HOME", os.path.join("~", ".cache"))
    home = os.path.expanduser(os.getenv("TORCH_HOME", os.path.join(cache, "torch")))
    return Path(home) / "hub" / "checkpoints"


def cached_weights(model_type: str) -> Path | None:
    """The file of ``model_type`` in detoxify's torch hub cache, when it is there.

    With no checkpoint file in the cache at all, torch and detoxify are not imported: that
    import alone costs about 200 MB of memory and seconds of start-up (issue 14)."""
    directory = _hub_checkpoints()
    if not any(directory.glob("*.ckpt")):
        return None
    from detoxify.detoxify import MODEL_URLS

    if model_type not in MODEL_URLS:
        return None
    file = directory / MODEL_URLS[model_type].rsplit("/", 1)[-1]
    return file if file.is_file() else None


def download(model_type: str = "original") -> str:
    """Fetch the weights of ``model_type`` into detoxify's caches (needs internet access).

    ValueError when detoxify is missing or the model unknown; any other error is the download's.

    Detoxify's first use downloads the checkpoint into torch hub's cache and the base model's
    Hugging Face config and tokenizer into the Hugging Face cache; both then serve offline.
    """
    if importlib.util.find_spec("detoxify") is None:
        raise ValueError(f"detoxify is not installed; run {INSTALL}")
    from detoxify import Detoxify
    from detoxify.detoxify import MODEL_URLS

    if model_type not in MODEL_URLS:
        raise ValueError(
            f"unknown detoxify model {model_type!r}; models are {', '.join(MODEL_URLS)}"
        )
    quiet = io.StringIO()  # torch hub's "Downloading" line and progress bar
    with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
        Detoxify(model_type, device="cpu")
    return str(cached_weights(model_type))


def one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 200 else text[:199] + "…"
