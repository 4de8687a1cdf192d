"""``python -m kb.migrations revision MESSAGE``: autogenerate the next revision."""

import sys

from kb.migrations import _main

sys.exit(_main(sys.argv[1:]))
