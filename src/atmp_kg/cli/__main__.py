"""`python -m atmp_kg.cli` runs the CLI."""

from . import main

main()
