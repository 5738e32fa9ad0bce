"""``python -m synthgate`` and the ``synthgate`` command: the CLI, with a clean interrupt even
while its libraries are still loading (an interrupt then prints one line, not a traceback)."""

from __future__ import annotations

import gc
import sys


def run() -> None:
    try:
        from synthgate.cli import main
    except KeyboardInterrupt:
        print("synthgate: interrupted", file=sys.stderr)
        sys.exit(130)
    # The objects of the modules just loaded live as long as the command: frozen, the cyclic
    # garbage collector no longer scans them in each full collection (start-up, issue 14).
    gc.freeze()
    sys.exit(main())


if __name__ == "__main__":
    run()
