"""`atmp-kg` with the changes of benchmarks/proposals.py applied in memory, for the CLI rows.

    python benchmarks/proposed_cli.py QUERIES_DIR scorecard --as-of 2025-07-15

QUERIES_DIR holds the rewritten views (run.py writes them to benchmarks/work/proposed-queries).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    import proposals

    proposals.patch_catalog(sys.argv[1])
    del sys.argv[1]
    from atmp_kg.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
