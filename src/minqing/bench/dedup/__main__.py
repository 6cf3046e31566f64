"""`python -m minqing.bench.dedup`: the same as `python -m minqing.bench dedup`."""

import sys

from . import main

main(sys.argv[1:])
