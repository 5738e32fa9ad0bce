"""Writing results without ever destroying data: outputs are checked, then written atomically.

An output path that names the input or the reference (also through a symlink or a hard link)
is refused before anything is read. A file is written to a temporary file in the same folder
and renamed over the target when complete, so a full disk or an interrupted run leaves the
previous file untouched (or no file), never a partial one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from synthgate.errors import SynthgateError


def _same(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    with contextlib.suppress(OSError):
        return a.exists() and b.exists() and os.path.samefile(a, b)
    return False


def check_outputs(outputs: dict[str, str | None], inputs: list[str | None]) -> None:
    """SynthgateError when an output option is empty, names an input, or names another output."""
    given: list[tuple[str, Path]] = []
    for option, value in outputs.items():
        if value is None:
            continue
        if not value.strip():
            raise SynthgateError(f"{option} needs a file name")
        path = Path(value)
        if path.is_dir():
            raise SynthgateError(f"{option} {value}: is a directory; give a file name")
        for source in inputs:
            if source and source != "-" and _same(path, Path(source)):
                raise SynthgateError(
                    f"{option} {value} would overwrite the input {source}; choose another file"
                )
        for other, other_path in given:
            if _same(path, other_path):
                raise SynthgateError(f"{option} and {other} name the same file {value}")
        given.append((option, path))


def _mode(target: Path) -> int:
    """The target's permissions if it exists, else what the umask gives a new file."""
    with contextlib.suppress(OSError):
        return target.stat().st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """A binary file to write ``path`` through: a temporary file in the same folder, synced and
    renamed over ``path`` when the block ends; removed, leaving ``path`` untouched, on error."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, _mode(target))
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file renamed into place.

    A lone surrogate (a column named ``"\\ud800"`` in JSON) is written as its escape
    ``\\ud800``, which is what it was in the JSON it came from, so writing cannot fail on it.
    """
    with atomic_file(path) as out:
        out.write(text.encode("utf-8", "backslashreplace"))
    return Path(path)
