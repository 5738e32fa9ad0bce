"""``python -m synthgate`` and the ``synthgate`` command: the CLI, with a clean interrupt even
while its libraries are still loading (an interrupt then prints one line, not a traceback)."""

from __future__ import annotations

import gc
import signal
import sys


def run() -> None:
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
