"""Regular expressions compiled on first use.

Every command imports the modules on its path, and compiling all of their patterns at import
cost each start some milliseconds; a command now compiles only the patterns it runs.
"""

from __future__ import annotations

import re


class LazyPattern:
    """Stands for `re.compile(pattern, flags)`: the compiled pattern's attributes and methods
    (match, sub, finditer, pattern...) compile it once, on first use."""

    __slots__ = ("_args", "_compiled")

    def __init__(self, pattern: str | bytes, flags: int = 0):
        self._args = (pattern, flags)
        self._compiled: re.Pattern | None = None

    def compiled(self) -> re.Pattern:
        """The compiled pattern (for a hot loop: saves the lookup through this object)."""
        if self._compiled is None:
            self._compiled = re.compile(*self._args)
        return self._compiled

    def __getattr__(self, name: str):
        return getattr(self.compiled(), name)

    def __repr__(self) -> str:
        return f"LazyPattern({self._args[0]!r}, {self._args[1]!r})"
