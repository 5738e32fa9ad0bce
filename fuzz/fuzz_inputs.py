"""Coverage-guided fuzzing of the loaders and the suite parser (atheris): ``make fuzz``.

Each input picks a format (JSON Lines, JSON, CSV, optionally compressed) or a suite; the bytes
are written to a temporary file and read the way ``synthgate validate`` reads them, with the
first columns mapped to a text, a label, a turns and a group role. A ``SynthgateError`` (an
input or suite error: one line, exit 2) is an accepted outcome; any other exception, a read
count that does not add up, a hang (``-timeout``) or a memory blow-up (``-rss_limit_mb``) is a
finding. Findings are saved under ``.fuzz/`` and each fixed one becomes a test in
``tests/robustness/test_fuzz_findings.py``.
"""

from __future__ import annotations

import bz2
import gzip
import json
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["synthgate"]):
    from synthgate.errors import SynthgateError
    from synthgate.loaders import Dataset
    from synthgate.suite import parse_suite

FORMATS = ("jsonl", "json", "csv", "jsonl.gz", "csv.bz2", "suite")
ROLES = ("text", "label", "turns", "group")
WORKDIR = Path(tempfile.mkdtemp(prefix="synthgate-fuzz-"))


def read(data: bytes, name: str) -> None:
    """Open and read ``data`` as the file ``name``; check that every row is accounted for."""
    path = WORKDIR / name
    if name.endswith(".gz"):
        data = gzip.compress(data)
    elif name.endswith(".bz2"):
        data = bz2.compress(data)
    path.write_bytes(data)
    dataset = Dataset(path)
    roles = dict(zip(ROLES, dataset.columns, strict=False))
    validated = 0
    for batch, _ in dataset.batches(roles):
        validated += len(batch)
        # what metrics and --json see: JSON-safe values, text that encodes as UTF-8
        json.dumps(batch.columns, ensure_ascii=False).encode("utf-8")
    if validated + len(dataset.unreadable) != dataset.rows_read:
        raise AssertionError(
            f"{validated} validated + {len(dataset.unreadable)} unreadable != {dataset.rows_read} read"
        )


def test_one_input(raw: bytes) -> None:
    provider = atheris.FuzzedDataProvider(raw)
    kind = FORMATS[provider.ConsumeIntInRange(0, len(FORMATS) - 1)]
    data = provider.ConsumeBytes(provider.remaining_bytes())
    try:
        if kind == "suite":
            parse_suite(data.decode("utf-8", "surrogateescape"), "fuzz.yml").to_yaml()
        else:
            read(data, f"input.{kind}")
    except SynthgateError:
        pass


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
