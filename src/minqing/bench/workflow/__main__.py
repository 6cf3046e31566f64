"""`python -m minqing.bench.workflow [options]`, the same as `python -m minqing.bench workflow [options]`."""

import sys

from .driver import main

if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
