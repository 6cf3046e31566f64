"""`python -m minqing.bench.ledger [options]`, the same as `python -m minqing.bench ledger [options]`."""

import sys

from .driver import main

if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
