"""The atmp-kg command: a thin click layer over the library.

base.py holds the group, the error mapping and the shared options; each *_command(s).py module
adds its commands to the group when imported. Only click is imported at start-up: every command
imports what it needs when it runs, so that `atmp-kg --help` answers at once.
"""

from . import check_command, endpoint_commands, graph_commands, import_commands, scorecard_command, view_commands  # noqa: F401
from . import product_command, workspace_commands  # noqa: F401
from .base import cli, main, program

__all__ = ["cli", "main", "program"]
