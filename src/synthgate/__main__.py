"""``python -m synthgate`` and the ``synthgate`` command: the CLI, with a clean interrupt even
while its libraries are still loading (an interrupt then prints one line, not a traceback)."""

from __future__ import annotations

import ctypes
import gc
import os
import signal
import sys

M_MMAP_THRESHOLD = -3
"""glibc's ``mallopt`` parameter: the size from which a block is mapped on its own."""
MMAP_THRESHOLD = 256 * 1024
"""Blocks of at least this many bytes are mapped on their own and unmapped when freed."""


def steady_heap() -> None:
    """Map every block of ``MMAP_THRESHOLD`` bytes or more on its own, for good (glibc only).

    By default glibc raises that threshold (from 128 KiB up to 32 MiB) each time such a
    block is freed, and then places blocks of that size (Arrow's decoded buffers, a few MiB
    per batch; numpy arrays) in the heap among the small ones, where their freed space stays
    resident and scattered: the heap's free space grew with the rows read (instructions: 19
    MiB at 80k rows, 30 at 980k, 53 after the 16 MiB bootstrap of ``length_spread``; peak
    RSS 284 MB at 1M rows). Fixed at 256 KiB, the heap held 5-7 MiB free while folding and the
    peak was 264 MB; the blocks' pages are faulted in afresh, about 1-2% more CPU (issue 14)."""
    try:
        glibc = bool(os.confstr("CS_GNU_LIBC_VERSION"))
    except (AttributeError, ValueError, OSError):  # not glibc, or not Unix
        glibc = False
    if glibc:
        ctypes.CDLL(None).mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)


def run() -> None:
    steady_heap()
    # An interrupt while the libraries load is noted, not raised: raised, it may land in a
    # callback of the import machinery, which Python reports as an ignored exception (with a
    # traceback) and then goes on loading.
    interrupts: list[int] = []
    default = signal.signal(signal.SIGINT, lambda signum, _: interrupts.append(signum))
    try:
        import pyarrow  # loaded by the CLI anyway

        from synthgate.cli import main
    finally:
        signal.signal(signal.SIGINT, default)
    if interrupts:
        print("synthgate: interrupted", file=sys.stderr)
        sys.exit(130)
    # The objects of the modules just loaded live as long as the command: frozen, the cyclic
    # garbage collector no longer scans them in each full collection (start-up, issue 14).
    gc.freeze()
    # Arrow's default pool (mimalloc) keeps pages of the buffers freed after each Parquet row
    # group, so peak RSS grew with the file (task_labels: 110, 121, 145 MB at 100k, 1M, 10M
    # rows); with the system allocator it stays flat (103, 108, 113 MB; issue 14). Set here,
    # for this command's process and its workers: the Python API leaves its caller's pool alone
    # (Arrow's Parquet reader takes no pool of its own).
    pyarrow.set_memory_pool(pyarrow.system_memory_pool())
    sys.exit(main())


if __name__ == "__main__":
    run()
