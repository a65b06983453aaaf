"""`python -m atmp_kg.cli` runs the CLI."""

from . import program

program()
