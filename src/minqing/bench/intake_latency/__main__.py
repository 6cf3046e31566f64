"""`python -m minqing.bench.intake_latency`: the same as `python -m minqing.bench intake_latency`."""

import sys

from . import main

main(sys.argv[1:])
