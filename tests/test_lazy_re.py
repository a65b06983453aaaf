"""lazy_re.LazyPattern: a pattern compiled on first use, used like re.compile's result."""

from __future__ import annotations

import re
import subprocess
import sys


def test_a_lazy_pattern_answers_as_the_compiled_pattern():
    from atmp_kg.lazy_re import LazyPattern

    lazy, eager = LazyPattern(r"(?P<word>[a-z]+)-(\d+)", re.IGNORECASE), re.compile(r"(?P<word>[a-z]+)-(\d+)", re.IGNORECASE)
    text = "Abc-12 def-3 x-"
    assert lazy._compiled is None
    assert [m.groups() for m in lazy.finditer(text)] == [m.groups() for m in eager.finditer(text)] == [("Abc", "12"), ("def", "3")]
    assert lazy.sub(r"\2", text) == eager.sub(r"\2", text) == "12 3 x-"
    assert lazy.fullmatch("a-1").group("word") == "a"
    assert (lazy.pattern, lazy.flags, lazy.groupindex) == (eager.pattern, eager.flags, eager.groupindex)
    assert lazy.compiled() is lazy.compiled()  # compiled once


def test_importing_the_query_path_compiles_none_of_its_patterns():
    probe = """
import atmp_kg.cli.base, atmp_kg.sanitize, atmp_kg.views.catalog, atmp_kg.views.guard, atmp_kg.views.hints
from atmp_kg.lazy_re import LazyPattern
mods = [atmp_kg.cli.base, atmp_kg.sanitize, atmp_kg.views.catalog, atmp_kg.views.guard, atmp_kg.views.hints]
lazy = [(m.__name__, k) for m in mods for k, v in vars(m).items() if isinstance(v, LazyPattern)]
print(len(lazy), [x for x in lazy if vars(sys.modules[x[0]])[x[1]]._compiled is not None])
"""
    out = subprocess.run([sys.executable, "-c", "import sys\n" + probe], capture_output=True, text=True, check=True).stdout.split(" ", 1)
    assert int(out[0]) >= 20 and out[1].strip() == "[]"
