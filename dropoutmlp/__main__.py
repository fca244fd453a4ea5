"""``python -m dropoutmlp``: the command line (see ``python -m dropoutmlp --help``)."""

import sys

from ._cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
