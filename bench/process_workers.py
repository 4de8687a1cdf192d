"""Folded into :mod:`bench.cluster` (1, 2, 3 workers beside one process, and the projection per
added machine); this name stays so the command of the README's earlier figures still runs.

    .venv/bin/python -m bench.process_workers [--pages 600] [--workers 1 2]
"""

from bench.cluster import main

if __name__ == "__main__":
    main()
