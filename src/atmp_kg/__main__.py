"""`python -m atmp_kg` runs the CLI (the same as the `atmp-kg` script)."""

from .cli import program

program()
