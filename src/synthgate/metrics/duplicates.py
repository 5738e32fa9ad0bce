"""Exact and near-duplicate rows, in memory that does not grow with the number of rows.

Both report the *duplicate rate*: the share of rows a deduplication would remove (rows that
repeat an earlier row). Finding: LLM-made data has low diversity and repeats itself
(FINDINGS.md §3 "near-duplicate instructions", §4 "repetition", §5).

- ``ExactDuplicates`` hashes each normalized text and keeps the ``k`` smallest distinct hashes
  with their counts (a KMV sketch, Bar-Yossef et al. 2002). Up to ``k`` distinct texts it is
  exact; beyond, the number of distinct texts is estimated as (k-1)/h_k (relative error about
  1/sqrt(k)). The kept hashes are a uniform sample of distinct texts, so their clusters are the
  examples. Where the count is exact its Wilson interval says what the rows can tell about the
  process that generated them.
- ``NearDuplicates`` draws a seeded pool of probe rows (``sampling.BottomK``), indexes their
  MinHash signatures (datasketch's MinHash scheme, word 3-gram shingles, ``tokens.shingles``,
  hashed with CRC-32; banded as datasketch's ``MinHashLSH`` does, ``Bands``) and asks of every
  later row (by row id) whether it is a near-duplicate (estimated Jaccard >= threshold) of a
  probe. The share of probes with a later near-duplicate estimates the duplicate rate of the
  whole dataset, with a Wilson interval. It is the rate of pairs whose *estimated* Jaccard
  reaches the threshold: LSH proposes candidates, and every candidate is checked by its
  MinHash estimate. Only texts that hold enough of a probe's *minimal hashes* (those that give
  its signature's values) are signed: any other could match a probe only by coincidences of
  32-bit values on at least 8 of its 64 values (``NearDuplicates``). The LSH is tuned for recall
  (``LSH_WEIGHTS``: 10 bands of 6 rows at 64 permutations), so it proposes a pair at Jaccard
  0.80 with probability 0.95, 0.83 with 0.98, 0.90 with 0.999 (datasketch's default weights
  gave 5 bands of 11 rows: 0.36, 0.50, 0.85, and the rate was a lower bound). The MinHash
  estimate itself has a standard error of about 0.05 at Jaccard 0.8 (64 permutations), so
  pairs near the threshold may fall on either side.

  The value is defined without reference to any order: the pool is the ``pool`` texts with the
  smallest seeded priority of their key (row id, position), and a probe counts when a text with
  a larger key near-duplicates it. One pass in row order (``LocalEngine``) finds that directly:
  every probe of the final pool is in the pool from its own row on, so it meets every later
  text. Partitions merge exactly while a state holds the signatures of all its texts (at most
  ``MAX_HELD``; the pool is drawn and matched in key order when finalizing). Beyond, a merged
  state keeps only its pool (the bottom-k merges exactly) and asks for a second pass
  (``second_pass``): every text is matched again against the final pool, and the matches of
  the partitions add up. A part of the rows that an engine will merge (``start_part``: a task
  of the partitioned engine, a Spark partition) keeps only its pool from the start (shingle
  hashes; signed once the pool is final), so the matching is done once, in the second pass,
  at the cost of reading the source twice.
"""

from __future__ import annotations

import functools
import hashlib
import heapq
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from itertools import chain, pairwise
from typing import Literal

import numpy as np

from synthgate.batch import Batch
from synthgate.metrics import Metric, add_example
from synthgate.metrics.tokens import excerpt, features, text_features
from synthgate.observation import Observation
from synthgate.sampling import row_priority, wilson

MAX_ROWS_PER_CLUSTER = 5
MAX_HELD = 10_000
"""Texts whose signatures a near-duplicate state holds so that merges stay exact (about 8 MB
with their minimal hashes)."""


@dataclass
class Cluster:
    """Rows sharing one normalized text: the earliest ``MAX_ROWS_PER_CLUSTER`` rows, and an
    excerpt of the earliest row's text."""

    count: int
    rows: list[int]
    text: str

    def add(self, count: int, rows: list[int], text: str) -> None:
        if rows[0] < self.rows[0]:
            self.text = text
        self.count += count
        for row in rows:
            add_example(self.rows, row, MAX_ROWS_PER_CLUSTER)

    def copy(self) -> Cluster:
        return Cluster(self.count, list(self.rows), self.text)


@dataclass
class KmvState:
    k: int
    clusters: dict[int, Cluster] = field(default_factory=dict)
    rows: int = 0
    truncated: bool = False

    def prune(self) -> None:
        if len(self.clusters) > 2 * self.k:
            self.truncated = True
            for key in sorted(self.clusters)[self.k :]:
                del self.clusters[key]

    @property
    def threshold(self) -> int:
        return max(self.clusters) if self.truncated and len(self.clusters) >= self.k else 2**64


@dataclass(frozen=True)
class DuplicateResult:
    rate: Observation
    rows: int
    distinct: float
    clusters: list[Cluster]


def _hash(normalized: str) -> int:
    return int.from_bytes(
        hashlib.blake2b(normalized.encode("utf-8"), digest_size=8).digest(), "big"
    )


@dataclass(frozen=True)
class ExactDuplicates(Metric):
    """Share of non-empty texts of ``role`` that repeat an earlier one after normalization."""

    role: str = "text"
    k: int = 16384

    @property
    def roles(self) -> tuple[str, ...]:
        return (self.role,)

    def start(self) -> KmvState:
        return KmvState(self.k)

    def update(self, state: KmvState, batch: Batch) -> KmvState:
        limit = state.threshold
        texts = batch.texts(self.role)
        state.rows += len(texts)
        for (row, _, text), known in zip(texts, text_features(batch, self.role), strict=True):
            key = _hash(known.normalized)
            if key > limit:  # the limit itself is a kept key: its repeats count
                continue
            cluster = state.clusters.get(key)
            if cluster is None:
                state.clusters[key] = Cluster(1, [row], excerpt(text))
            elif len(cluster.rows) < MAX_ROWS_PER_CLUSTER or row < cluster.rows[-1]:
                cluster.add(1, [row], excerpt(text))
            else:
                cluster.count += 1
        state.prune()
        return state

    def merge(self, a: KmvState, b: KmvState) -> KmvState:
        copies = {key: c.copy() for key, c in a.clusters.items()}
        out = KmvState(self.k, copies, a.rows + b.rows, a.truncated or b.truncated)
        for key, cluster in b.clusters.items():
            mine = out.clusters.get(key)
            if mine is None:
                out.clusters[key] = cluster.copy()
            else:
                mine.add(cluster.count, cluster.rows, cluster.text)
        out.prune()
        return out

    def finalize(self, state: KmvState) -> DuplicateResult:
        keys = sorted(state.clusters)
        if state.truncated:
            keys = keys[: self.k]
        clusters = [state.clusters[key] for key in keys]
        repeated = sorted((c for c in clusters if c.count > 1), key=lambda c: -c.count)
        if not state.truncated or len(keys) < self.k:
            distinct = float(len(keys))
            rate = wilson(state.rows - len(keys), state.rows)  # every text counted
        else:
            distinct = (self.k - 1) / (keys[-1] / 2**64)
            error = 2 / np.sqrt(self.k - 2)
            value = max(0.0, 1 - distinct / state.rows)
            low = max(0.0, 1 - distinct * (1 + error) / state.rows)
            high = min(1.0, max(0.0, 1 - distinct * (1 - error) / state.rows))
            rate = Observation(value, low, high, state.rows)
        return DuplicateResult(rate, state.rows, distinct, repeated)


LSH_WEIGHTS = (0.05, 0.95)
"""datasketch's weights of false positives and false negatives when it picks bands and rows:
false negatives cost recall that nothing recovers, false positives only a MinHash check."""


@functools.cache
def _lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """datasketch's (bands, rows) for ``threshold``, tuned for recall (``LSH_WEIGHTS``).

    As datasketch's ``MinHashLSH`` picks them (``datasketch.lsh._optimal_param``): of every
    ``bands * rows <= num_perm``, the first (by bands, then rows) that minimizes the weighted
    areas of false positives (the chance ``1 - (1 - s^rows)^bands`` that a pair of Jaccard
    ``s`` shares a band, over ``s < threshold``) and false negatives (its complement, over
    ``s > threshold``). datasketch integrates with scipy's ``quad``, and importing it imports
    scipy.integrate (half a second of every run's start-up); the chance is a polynomial of
    degree at most ``num_perm`` in ``s``, so a Gauss-Legendre rule of ``num_perm // 2 + 1``
    nodes (numpy) integrates it exactly. ``tests/test_metrics.py`` checks the choice equals
    datasketch's. Computed once, not per state.
    """
    nodes, weights = np.polynomial.legendre.leggauss(num_perm // 2 + 1)

    def area(band: int, rows: np.ndarray, low: float, high: float, shared: bool) -> np.ndarray:
        s = (high - low) / 2 * nodes + (high + low) / 2
        chance = 1 - (1 - s**rows) ** band
        return (high - low) / 2 * ((chance if shared else 1 - chance) @ weights)

    best, chosen = np.inf, (0, 0)
    for band in range(1, num_perm + 1):
        rows = np.arange(1, num_perm // band + 1, dtype=float)[:, None]
        error = (
            area(band, rows, 0.0, threshold, True) * LSH_WEIGHTS[0]
            + area(band, rows, threshold, 1.0, False) * LSH_WEIGHTS[1]
        )
        at = int(np.argmin(error))  # the first of equal minima, as datasketch's strict <
        if error[at] < best:
            best, chosen = error[at], (band, at + 1)
    return chosen


Key = tuple[int, int]
"""A text's identity: (row id, position of the text in the row)."""

Minimal = tuple[np.ndarray, np.ndarray]
"""A text's ``minimal_hashes`` (uint32, sorted) and how many of its signature's values each
gives (uint16)."""


@dataclass(frozen=True)
class Table:
    """The arrays of a ``Bands`` index, built from its signatures when it is first read after a
    change. Equal signatures (repeated texts) are one entry."""

    signatures: np.ndarray
    """The distinct signatures, one row each."""
    keys: list[list[Key]]
    """The keys of each of ``signatures``."""
    bands: np.ndarray
    """The band keys of every one of ``signatures`` (``_band_keys``), sorted."""
    order: np.ndarray
    """Which of ``signatures`` each of ``bands`` comes from."""
    minimal: np.ndarray
    """The signatures' minimal hashes (uint64, sorted, distinct)."""
    most: np.ndarray
    """The most values each of ``minimal`` gives one signature."""


_MIX = np.uint64(0x9E3779B97F4A7C15)


def _search(
    table: np.ndarray, needles: np.ndarray, side: Literal["left", "right"] = "left"
) -> np.ndarray:
    """``np.searchsorted(table, needles, side)``, the needles searched in sorted order: numpy's
    binary search then starts from the previous answer, 2-2.6 times faster for a batch's
    shingle hashes or band keys (sorting them costs a tenth of that)."""
    order = np.argsort(needles)
    at = np.empty(len(needles), dtype=np.intp)
    at[order] = np.searchsorted(table, needles[order], side)
    return at


def _band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """Each band of each signature (one row per signature) as one 64-bit number, from the
    band's position and values: equal for the same band's equal values, rarely for others (a
    polynomial in an odd constant, wrapping)."""
    out = np.tile(np.arange(bands, dtype=np.uint64), (len(signatures), 1))
    for i in range(rows):
        out *= _MIX
        out += signatures[:, i : bands * rows : rows]  # value i of every band
    return out


class Bands:
    """Banded LSH over MinHash signatures, as datasketch's ``MinHashLSH`` bands them (``bands``
    bands of ``rows`` values, from ``_lsh_params``): a signature's candidates are the keys that
    agree with it on every value of some band. They are found for many signatures at once
    (``candidates``, ``PoolState.match``): each band is one 64-bit number (``_band_keys``),
    looked up among the indexed signatures' sorted numbers, and the pairs found are checked on
    their values, so a pair is a candidate exactly when some band's values are equal
    (datasketch's dictionary of bytes per band, queried per text and checked per candidate,
    was most of the matching on real text). ``cover`` bounds how many values of any indexed
    signature a text can agree with (``NearDuplicates`` says when that holds)."""

    def __init__(self, bands: int, rows: int):
        self.bands, self.rows = bands, rows
        self.indexed: dict[Key, tuple[np.ndarray, Minimal]] = {}
        """Each key's signature and minimal hashes."""
        self.built: Table | None = None

    def insert(self, key: Key, signature: np.ndarray, minimal: Minimal) -> None:
        self.indexed[key] = signature, minimal
        self.built = None

    def remove(self, key: Key) -> None:
        """Forget ``key`` (nothing when it was never indexed: evicted before it was signed)."""
        if self.indexed.pop(key, None) is not None:
            self.built = None

    def table(self) -> Table:
        """The index's arrays (at least one signature indexed)."""
        if self.built is None:
            every = np.stack([signature for signature, _ in self.indexed.values()])
            signatures, inverse = np.unique(every, axis=0, return_inverse=True)
            keys: list[list[Key]] = [[] for _ in signatures]
            for key, at in zip(self.indexed, inverse.tolist(), strict=True):
                keys[at].append(key)
            bands = _band_keys(signatures, self.bands, self.rows).ravel()
            order = np.argsort(bands, kind="stable")
            packed = np.concatenate(
                [
                    least.astype(np.uint64) << _GIVEN | given
                    for _, (least, given) in self.indexed.values()
                ]
            )
            packed.sort()  # by hash, then by values given: a hash's last entry gives the most
            least = packed >> _GIVEN
            last = np.append(least[1:] != least[:-1], True)
            self.built = Table(
                signatures,
                keys,
                bands[order],
                order // self.bands,
                least[last],
                (packed[last] & _GIVEN_MASK).astype(np.intp),
            )
        return self.built

    def candidates(self, signatures: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The pairs of a signature (a row of ``signatures``) and a distinct indexed one (a row
        of ``table().signatures``) whose band keys are equal for some band, each once, by row:
        a superset of the pairs that agree on every value of a band."""
        table = self.table()
        mine = _band_keys(signatures, self.bands, self.rows).ravel()
        low = _search(table.bands, mine)
        counts = _search(table.bands, mine, "right") - low
        entry = np.repeat(np.arange(len(mine)), counts)
        at = np.repeat(low - np.cumsum(counts) + counts, counts) + np.arange(len(entry))
        pairs = entry // self.bands * len(table.signatures) + table.order[at]
        pairs.sort()
        pairs = pairs[np.append(True, pairs[1:] != pairs[:-1])] if len(pairs) else pairs
        return pairs // len(table.signatures), pairs % len(table.signatures)

    def cover(self, hashes: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """For each text (``hashes``: the shingle hashes of all texts one after another,
        ``lengths``: each text's count), a bound on how many values of any indexed signature
        its hashes give: the sum, over its hashes that are some signature's minimal hashes, of
        the most values each gives one signature: at least how many values of each signature
        it holds minimal hashes for. At least one signature must be indexed."""
        table = self.table()
        at = np.minimum(_search(table.minimal, hashes), len(table.minimal) - 1)
        given = np.where(table.minimal[at] == hashes, table.most[at], 0)
        sums = np.concatenate(([0], np.cumsum(given)))
        ends = np.cumsum(lengths)
        return sums[ends] - sums[ends - lengths]


@dataclass
class Probe:
    """A text of the pool (or held, before the pool is drawn), named by ``row`` in examples."""

    key: Key
    priority: int
    row: int
    signature: np.ndarray | None
    """None until signed (``PoolState.sign``): a probe admitted from a batch keeps ``hashes``."""
    text: str
    hashes: np.ndarray | None = field(default=None, repr=False, compare=False)
    """The CRC-32 of each shingle, while there is no signature."""
    minimal: Minimal | None = field(default=None, repr=False, compare=False)
    """Its ``minimal_hashes``, set with the signature."""
    matches: list[int] = field(default_factory=list)
    """The earliest rows that near-duplicate this probe (at most ``MAX_ROWS_PER_CLUSTER``)."""
    count: int = 0
    """How many later texts near-duplicate this probe."""

    def add(self, row: int) -> None:
        self.count += 1
        add_example(self.matches, row, MAX_ROWS_PER_CLUSTER)

    @property
    def signed(self) -> np.ndarray:
        """The signature of a probe that has one (held, streaming and second-pass probes)."""
        assert self.signature is not None
        return self.signature

    def copy(self) -> Probe:
        return replace(self, matches=list(self.matches))


@dataclass
class PoolState:
    """The state of ``NearDuplicates``, one of four kinds:

    - holding (``held`` a list): every text so far, while there are at most ``MAX_HELD``; the
      pool is drawn and matched in key order when finalizing or merging, whatever the order
      the texts came in.
    - streaming (``held`` None, ``ordered``): ``probes`` is the pool so far, and every text was
      matched against it, in key order (one pass in row order); final.
    - merged (``held`` None, not ``ordered``): only the pool (order-free); which later texts
      match its probes needs a second pass (``NearDuplicates.second_pass``).
    - second pass (``again``): the final pool; every text is matched against the probes
      before it, and merges add up the matches.
    """

    pool: int
    threshold: float
    num_perm: int
    held: list[Probe] | None = field(default_factory=list)
    probes: dict[Key, Probe] = field(default_factory=dict)
    heap: list[tuple[int, Key]] = field(default_factory=list)
    """(-priority, key) of every probe: the heap's top is the probe to evict next."""
    rows: int = 0
    ordered: bool = True
    last: Key = (-1, -1)
    """The largest key seen (texts after it keep a streaming state ``ordered``)."""
    again: bool = False
    lsh: Bands | None = field(default=None, repr=False, compare=False)
    """The probes' LSH index, built when first needed (and not pickled)."""

    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "lsh": None}

    @property
    def limit(self) -> int:
        return -self.heap[0][0] if len(self.heap) >= self.pool else 2**64

    def sign(self) -> None:
        """Sign the probes that have only their shingle hashes, all in one call."""
        unsigned = [p for p in self.probes.values() if p.signature is None]
        hashes: list[np.ndarray] = [p.hashes for p in unsigned]  # type: ignore[misc]
        if hashes:
            flat, lengths = np.concatenate(hashes), list(map(len, hashes))
            signatures = minhash_signatures(flat, lengths, self.num_perm)
            minimal = minimal_hashes(flat, lengths, signatures)
            for probe, signature, least in zip(unsigned, signatures, minimal, strict=True):
                probe.signature, probe.minimal, probe.hashes = signature.copy(), least, None

    def index(self) -> Bands:
        """The probes' LSH index, built when first needed; probes admitted since are signed
        and added."""
        if self.lsh is None:
            self.lsh = Bands(*_lsh_params(self.threshold, self.num_perm))
        new = [p for p in self.probes.values() if p.key not in self.lsh.indexed]
        if new:
            self.sign()
            for probe in new:
                assert probe.minimal is not None
                self.lsh.insert(probe.key, probe.signed, probe.minimal)
        return self.lsh

    def admit(self, probe: Probe) -> None:
        """Add ``probe`` to the pool, evicting the probe of highest priority when the pool is
        over ``pool``."""
        self.probes[probe.key] = probe
        heapq.heappush(self.heap, (-probe.priority, probe.key))
        if len(self.heap) > self.pool:
            _, evicted = heapq.heappop(self.heap)
            del self.probes[evicted]
            if self.lsh is not None:
                self.lsh.remove(evicted)

    def match(self, texts: list[tuple[Key, int]], signatures: np.ndarray) -> None:
        """Record each text (its key and row, its signature a row of ``signatures``) as a later
        near-duplicate of the probes it resembles that come before it: those the LSH proposes
        (equal on every value of some band) whose estimated Jaccard reaches the threshold."""
        index = self.index()
        table = index.table()
        rows, found = index.candidates(signatures)
        near = np.empty(len(rows), dtype=bool)
        banded = index.bands * index.rows
        for start in range(0, len(rows), 8192):  # 4 MB of values at 64 permutations
            part = slice(start, start + 8192)
            equal = signatures[rows[part]] == table.signatures[found[part]]
            proposed = equal[:, :banded].reshape(len(equal), index.bands, index.rows).all(2)
            agree = np.count_nonzero(equal, axis=1) / self.num_perm  # the estimated Jaccard
            near[part] = proposed.any(1) & (agree >= self.threshold)
        for at, probes in zip(rows[near].tolist(), found[near].tolist(), strict=True):
            key, row = texts[at]
            for before in table.keys[probes]:
                if before < key:
                    self.probes[before].add(row)

    def streamed(self) -> PoolState:
        """A streaming state: the pool of the held texts, matched as one pass in key order
        would have (the probes before a text are those of the final pool before it: a probe
        evicted later keeps no matches)."""
        if self.held is None:
            return self
        out = PoolState(self.pool, self.threshold, self.num_perm, None, rows=self.rows)
        held = sorted(self.held, key=lambda t: t.key)
        for text in held:
            if text.priority < out.limit:
                out.admit(text.copy())
        if held:
            out.last = held[-1].key
            out.match([(t.key, t.row) for t in held], np.stack([t.signed for t in held]))
        return out

    def texts(self) -> list[Probe]:
        """The texts a merge draws the pool from: all held ones, or the pool."""
        return self.held if self.held is not None else list(self.probes.values())


@dataclass(frozen=True)
class NearDupResult:
    rate: Observation
    rows: int
    clusters: list[Cluster]


MINHASH_SEED = 1
_MERSENNE = np.uint64((1 << 61) - 1)
_MAX_HASH = np.uint64((1 << 32) - 1)
_SHIFT = np.uint64(61)
_HALF = np.uint64(32)
_GIVEN = np.uint64(16)
_GIVEN_MASK = np.uint64((1 << 16) - 1)


@functools.cache
def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's ``MinHash(num_perm, seed=MINHASH_SEED, scheme="legacy").permutations``
    (the pairs ``a, b`` of ``(a * h + b) mod 2^61 - 1``, drawn in turn from numpy's
    ``RandomState``), made here: importing datasketch imports scipy.integrate, half a second
    of start-up. ``tests/test_metrics.py`` checks them equal."""
    draw = np.random.RandomState(MINHASH_SEED)
    pairs = [
        (draw.randint(1, _MERSENNE, dtype=np.uint64), draw.randint(0, _MERSENNE, dtype=np.uint64))
        for _ in range(num_perm)
    ]
    a, b = np.array(pairs, dtype=np.uint64).T
    return a[None, :], b[None, :]


COINCIDENCES = 8
"""How many 32-bit coincidences a text skipped by the near-duplicate prefilter would need to
count as a near-duplicate (``NearDuplicates``)."""


@functools.cache
def _coverable(threshold: float, num_perm: int) -> int:
    """The most values of a probe a text may cover and still be skipped: ``COINCIDENCES`` fewer
    than the agreements that count (``PoolState.match``), and none when that is below 0."""
    needed = sum(agree / num_perm < threshold for agree in range(num_perm + 1))
    return max(needed - COINCIDENCES, 0)


def _final(state: PoolState) -> bool:
    """Whether a state holds the matches of its pool (else it needs a second pass)."""
    return state.held is not None or state.ordered or state.again or not state.probes


def _ascending(keys: list[Key]) -> bool:
    return all(a < b for a, b in pairwise(keys))


def _chunks(lengths: list[int], limit: int) -> Iterator[tuple[int, int]]:
    """Consecutive groups of texts (first, end) holding at most ``limit`` shingles (or one
    text over it)."""
    first = held = 0
    for i, length in enumerate(lengths):
        if i > first and held + length > limit:
            yield first, i
            first, held = i, 0
        held += length
    if first < len(lengths):
        yield first, len(lengths)


def _crc32(shingles: Iterable[str]) -> Iterator[int]:
    """The CRC-32 of each shingle (datasketch's ``hashfunc=zlib.crc32``), of its UTF-8."""
    return map(zlib.crc32, map(str.encode, shingles))


def shingle_hashes(shingles: Iterable[str], count: int) -> np.ndarray:
    """The CRC-32 of each of ``count`` shingles, as uint64."""
    return np.fromiter(_crc32(shingles), dtype=np.uint64, count=count)


def _permuted(hashes: np.ndarray, num_perm: int) -> np.ndarray:
    """Each hash's values under the ``num_perm`` permutations (one row per hash): datasketch's
    ``(a * h + b) % (2**61 - 1)`` (uint64, wrapping), its low 32 bits. The modulo is taken
    without a division: for x < 2**64, x mod (2**61 - 1) is (x & (2**61 - 1)) + (x >> 61),
    minus 2**61 - 1 once when that reaches it."""
    a, b = _permutations(num_perm)
    values = hashes[:, None] * a
    values += b
    high = values >> _SHIFT
    values &= _MERSENNE
    values += high
    np.subtract(values, _MERSENNE, out=values, where=values >= _MERSENNE)
    values &= _MAX_HASH
    return values


def minhash_signatures(hashes: np.ndarray, lengths: list[int], num_perm: int) -> np.ndarray:
    """MinHash signatures of many texts at once: one row of ``num_perm`` values per text, from
    the ``shingle_hashes`` of all texts one after another (``lengths``: each text's count, at
    least 1).

    Equal to datasketch's ``MinHash(num_perm, seed=1, hashfunc=zlib.crc32, scheme="legacy")``
    updated with each text's shingles, but the permutations are applied to a chunk of texts
    (at most 1,024 shingles: a 512 kB array at 64 permutations, which stays in the CPU's
    cache; 20% faster than 8,192) in a few numpy operations instead of one call per text.
    """
    ends = np.cumsum(lengths)
    starts = ends - lengths
    out = np.empty((len(lengths), num_perm), dtype=np.uint64)
    for first, end in _chunks(lengths, 1024):
        start = starts[first]
        values = _permuted(hashes[start : ends[end - 1]], num_perm)
        out[first:end] = np.minimum.reduceat(values, starts[first:end] - start, axis=0)
    return out


def minimal_hashes(hashes: np.ndarray, lengths: list[int], signatures: np.ndarray) -> list[Minimal]:
    """Each text's *minimal hashes* (uint32, sorted): its distinct shingle hashes whose
    permuted value is one of its signature's values, the hashes that give the signature its
    values; with each, how many values it gives (``hashes`` and ``lengths`` as for
    ``minhash_signatures``, ``signatures`` its result; at least one text)."""
    owner = np.repeat(np.arange(len(lengths)), lengths)
    given = np.empty(len(hashes), dtype=np.uint16)
    for start in range(0, len(hashes), 1024):
        values = _permuted(hashes[start : start + 1024], signatures.shape[1])
        given[start : start + 1024] = (values == signatures[owner[start : start + 1024]]).sum(1)
    least = given > 0
    pairs, first = np.unique(  # (text, hash), and where each is first
        owner[least].astype(np.uint64) << _HALF | hashes[least], return_index=True
    )
    counts = np.bincount((pairs >> _HALF).astype(np.intp), minlength=len(lengths))
    cuts = np.cumsum(counts)[:-1]
    split = np.split((pairs & _MAX_HASH).astype(np.uint32), cuts)
    return list(zip(split, np.split(given[least][first], cuts), strict=True))


@dataclass(frozen=True)
class NearDuplicates(Metric):
    """Share of rows of ``role`` that a MinHash near-duplicate filter would remove.

    Only texts that may resemble a probe are signed. Value i of a signature is the least
    permuted value (the low 32 bits of ``(a_i * h + b_i) mod 2^61 - 1``) of the text's shingle
    hashes ``h``; a probe's *minimal hashes* are those that give its values
    (``minimal_hashes``). A text agrees with a probe on value i only if it holds a minimal hash
    that gives it (it *covers* value i), or by coincidence: another of its hashes has a
    permuted value with the same low 32 bits as the probe's least one, a chance below
    n / 2^32 for a text of n shingles (n <= 1,998: below 2^-21). A pair counts when it agrees
    on ``ceil(threshold * num_perm)`` values (52 of 64 at the defaults). So a text that covers
    at most ``COINCIDENCES`` (8) fewer values of every probe counts only with 8 coincidences
    (below C(64, 8) * 2^(-21 * 8) < 2^-135 per pair, the permutations taken as independent;
    C(1024, 8) * 2^-168 < 2^-103 at the most permutations allowed); and a text that covers
    none needs a coincidence on every value that counts, and on a whole band (6 values) for
    the LSH to propose the pair at all. Such texts are matched against nothing and never
    signed: what a text may cover is bounded in a few numpy operations per batch, by the sum,
    over its shingle hashes that are minimal hashes of a probe, of the most values each gives
    one probe (``Bands.cover``), instead of a signature, its band keys and a query per text.
    The results are those of matching every text unless those coincidences happen. How many
    texts are signed depends on how many shingles they share with 2,000 probes: 3% of the
    bench's synthetic utterances at 20k dialogues, 82% of Markov-chain utterances and 86% of
    real SGD and restaurant utterances tiled to 13k dialogues (most of those are repeats).
    """

    alone_first = True  # a part keeps only its pool: the matching is all in the second pass
    role: str = "text"
    threshold: float = 0.8
    pool: int = 2000
    num_perm: int = 64
    seed: int = 0

    @property
    def roles(self) -> tuple[str, ...]:
        return (self.role,)

    def start(self) -> PoolState:
        return PoolState(self.pool, self.threshold, self.num_perm)

    def start_part(self) -> PoolState:
        """A pool-only state: a part's matches would be thrown away by the merge, so it keeps
        only its pool (with shingle hashes, signed for the second pass)."""
        return PoolState(self.pool, self.threshold, self.num_perm, None, ordered=False)

    def update(self, state: PoolState, batch: Batch) -> PoolState:
        items = batch.keyed_texts(self.role)
        if not items:
            return state
        keys = [(ident, position) for ident, _, position, _ in items]
        if not state.again:
            priorities = row_priority([k[0] for k in keys], self.seed, [k[1] for k in keys])
            state.rows += len(items)
            if state.held is not None and len(state.held) + len(items) > MAX_HELD:
                streamed = state.streamed()  # streams on when the batch comes after its texts
                state = streamed if _ascending([streamed.last, *keys]) else state
            if state.held is not None:
                signatures, hashes, lengths = self._signatures(batch, items)
                minimal = minimal_hashes(hashes, lengths, signatures)
                texts = zip(items, keys, priorities.tolist(), signatures, minimal, strict=True)
                state.held += [
                    Probe(key, priority, row, signature.copy(), excerpt(text), minimal=least)
                    for (_, row, _, text), key, priority, signature, least in texts
                ]
                return state.streamed() if len(state.held) > MAX_HELD else state
            if not (state.ordered and _ascending([state.last, *keys])):
                state.ordered, state.lsh = False, None  # a merged state: the pool only
            self._admit(state, batch, items, keys, priorities)
            if not state.ordered:
                return state
            state.last = keys[-1]
        self._match(state, batch, items, keys)
        return state

    def _admit(
        self,
        state: PoolState,
        batch: Batch,
        items: list[tuple[int, int, int, str]],
        keys: list[Key],
        priorities: np.ndarray,
    ) -> None:
        """Admit the texts of a batch that enter the pool, in key order (with their shingle
        hashes: ``PoolState.index`` signs those still there when matching)."""
        limit = state.limit
        if len(priorities) > self.pool:  # at most ``pool`` of the batch can stay
            limit = min(limit, int(np.partition(priorities, self.pool - 1)[self.pool - 1]) + 1)
        below = priorities < np.uint64(limit) if limit < 2**64 else np.ones(len(priorities), bool)
        for i in np.flatnonzero(below).tolist():
            priority = int(priorities[i])
            if priority < state.limit:
                _, row, _, text = items[i]
                shingles = features(batch, text).shingles
                hashes = shingle_hashes(shingles, len(shingles))
                state.admit(Probe(keys[i], priority, row, None, excerpt(text), hashes))

    def _match(
        self,
        state: PoolState,
        batch: Batch,
        items: list[tuple[int, int, int, str]],
        keys: list[Key],
    ) -> None:
        """Match each text against the probes before it (those of the pool once the batch is
        admitted: a probe evicted later keeps no matches). Only texts that may cover enough of
        a probe's values are signed (the class docstring says why the others match none)."""
        if not state.probes:
            return
        first, index = min(state.probes), state.index()
        shingles = [text.shingles for text in text_features(batch, self.role)]
        lengths = np.fromiter(map(len, shingles), dtype=np.intp, count=len(shingles))
        hashes = shingle_hashes(chain.from_iterable(shingles), int(lengths.sum()))
        near = index.cover(hashes, lengths) > _coverable(self.threshold, self.num_perm)
        near &= np.fromiter((key > first for key in keys), dtype=bool, count=len(keys))
        if near.any():
            signatures = minhash_signatures(
                hashes[np.repeat(near, lengths)], lengths[near].tolist(), self.num_perm
            )
            at = np.flatnonzero(near).tolist()
            state.match([(keys[i], items[i][1]) for i in at], signatures)

    def _signatures(
        self, batch: Batch, items: list[tuple[int, int, int, str]]
    ) -> tuple[np.ndarray, np.ndarray, list[int]]:
        """The texts' signatures, one row each, with their shingle hashes (one after another)
        and counts."""
        shingles = [features(batch, text).shingles for *_, text in items]
        lengths = list(map(len, shingles))
        hashes = shingle_hashes(chain.from_iterable(shingles), sum(lengths))
        return minhash_signatures(hashes, lengths, self.num_perm), hashes, lengths

    def merge(self, a: PoolState, b: PoolState) -> PoolState:
        """Exact while both states hold their texts; beyond, the pool of both (the matches then
        come from the second pass)."""
        if a.again:
            out = replace(a, probes={key: p.copy() for key, p in a.probes.items()}, lsh=None)
            for key, probe in b.probes.items():
                mine = out.probes[key]
                mine.count += probe.count
                for row in probe.matches:
                    add_example(mine.matches, row, MAX_ROWS_PER_CLUSTER)
            return out
        if not b.rows or not a.rows:
            return a if a.rows else b
        rows = a.rows + b.rows
        if a.held is not None and b.held is not None and len(a.held) + len(b.held) <= MAX_HELD:
            return PoolState(self.pool, self.threshold, self.num_perm, a.held + b.held, rows=rows)
        out = PoolState(self.pool, self.threshold, self.num_perm, None, rows=rows, ordered=False)
        for probe in sorted(a.texts() + b.texts(), key=lambda p: p.priority)[: self.pool]:
            out.admit(replace(probe, matches=[], count=0))
        return out

    def second_pass(self, state: PoolState) -> PoolState | None:
        """A merged state's final pool, signed, to match every text against again."""
        if _final(state):
            return None
        probes = {key: replace(p, matches=[], count=0) for key, p in state.probes.items()}
        out = PoolState(
            self.pool, self.threshold, self.num_perm, None, probes, rows=state.rows, again=True
        )
        out.sign()
        return out

    def finalize(self, state: PoolState) -> NearDupResult:
        if not _final(state):
            raise RuntimeError("near-duplicates of merged partitions need their second pass")
        probes = sorted(state.streamed().probes.values(), key=lambda p: p.key)
        hits = [p for p in probes if p.count]
        rate = wilson(len(hits), len(probes))
        clusters = [
            Cluster(1 + p.count, sorted({p.row, *p.matches})[:MAX_ROWS_PER_CLUSTER], p.text)
            for p in hits
        ]
        clusters.sort(key=lambda c: -c.count)
        return NearDupResult(rate, state.rows, clusters)
