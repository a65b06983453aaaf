"""Hints for parameter values that look wrong, so that a view never answers a mistake with a
silent empty table.

A parameter takes an EMA product number when its header says so (catalog.Param.product_number:
a string parameter described as "the EMA product number"). Before such a view runs, the value
is checked against the products of the same graph or endpoint, in one query: a product's name
(any of its names, in any case) is answered with its number, a number in another spelling
(EMEA-H-C-004090, 004090) with the number as written, and an unknown number or name with the
closest ones.
"""

from __future__ import annotations

from typing import Callable

from ..errors import InputError
from ..lazy_re import LazyPattern
from ..namespaces import ATMP
from .catalog import View
from .results import Results

NUMBER = LazyPattern(r"EMEA/H/C/[0-9]{6}")
_DIGITS = LazyPattern(r"(?<![0-9])([0-9]{6})(?![0-9])")

PRODUCTS_QUERY = f"""SELECT DISTINCT ?number ?name WHERE {{
  ?product <{ATMP}productNumber> ?number .
  OPTIONAL {{
    {{ ?product <http://www.w3.org/2000/01/rdf-schema#label> ?name }}
    UNION
    {{ ?observation <{ATMP}product> ?product ; <{ATMP}medicineName> ?name }}
  }}
}}
"""


def check_product_numbers(view: View, values: dict[str, str], execute: Callable[[str], Results]) -> None:
    """Raise InputError with a hint when a product-number parameter of the view is given a
    value that names no product of the graph; run no query when the view has none."""
    given = [(p, values[p.name]) for p in view.params if p.product_number and p.name in values]
    if not given:
        return
    names = product_names(execute)
    for param, value in given:
        problem = _problem(value, names, param.name)
        if problem:
            raise InputError(f"view {view.name}: parameter {param.name}: {problem}")


def product_names(execute: Callable[[str], Results]) -> dict[str, set[str]]:
    """EMA product number -> every name the graph gives the product."""
    names: dict[str, set[str]] = {}
    for r in execute(PRODUCTS_QUERY).records():
        names.setdefault(r["number"], set()).update([r["name"]] if r.get("name") else [])
    return names


def find_product(value: str, execute: Callable[[str], Results]) -> str:
    """The EMA product number that value gives: the number, in any spelling (EMEA-H-C-004090,
    004090), or any of the product's names in any case. InputError, naming the closest
    products, when it gives none or more than one."""
    names = product_names(execute)
    if value in names:
        return value
    digits = _DIGITS.findall(value)
    if len(digits) == 1 and f"EMEA/H/C/{digits[0]}" in names:
        return f"EMEA/H/C/{digits[0]}"
    by_name = _by_name(names)
    wanted = " ".join(value.split()).casefold()
    numbers = sorted(by_name.get(wanted, ()))
    if len(numbers) == 1:
        return numbers[0]
    if numbers:
        raise InputError(f"{value!r} names more than one product: {' and '.join(_label(n, names) for n in numbers)}; "
                         "give its EMA number")
    hint = _closest_number(value, names) if NUMBER.fullmatch(value) else _closest(wanted, by_name, names)
    raise InputError(f"no product in the graph is named or numbered {value!r}{hint}")


def _by_name(names: dict[str, set[str]]) -> dict[str, set[str]]:
    """Each name, in one spelling (white space folded, case folded) -> the numbers it names."""
    by_name: dict[str, set[str]] = {}
    for number, labels in names.items():
        for label in labels:
            by_name.setdefault(" ".join(label.split()).casefold(), set()).add(number)
    return by_name


def _closest(wanted: str, by_name: dict[str, set[str]], names: dict[str, set[str]]) -> str:
    import difflib  # only when a value is wrong

    close = [n for n in by_name if len(wanted) >= 3 and wanted in n] or difflib.get_close_matches(
        wanted, list(by_name), n=3, cutoff=0.6)
    matches = sorted({n for c in close for n in by_name[c]})[:5]
    return f"; closest: {', '.join(_label(n, names) for n in matches)}" if matches else ""


def _closest_number(number: str, names: dict[str, set[str]]) -> str:
    import difflib

    close = difflib.get_close_matches(number[-6:], [n[-6:] for n in names], n=3, cutoff=0.8)
    return f"; closest: {', '.join(_label('EMEA/H/C/' + d, names) for d in close)}" if close else ""


def _label(number: str, names: dict[str, set[str]]) -> str:
    known = sorted(names.get(number, ()))
    return f"{number} ({' / '.join(known)})" if known else number


def _problem(value: str, names: dict[str, set[str]], param: str) -> str | None:
    """What is wrong with the value, or None."""
    if value in names:
        return None
    expects = "expects an EMA product number like EMEA/H/C/NNNNNN"
    digits = _DIGITS.findall(value)
    if NUMBER.fullmatch(value):
        return f"no product with number {value} in the graph{_closest_number(value, names)}"
    if len(digits) == 1 and f"EMEA/H/C/{digits[0]}" in names:
        number = f"EMEA/H/C/{digits[0]}"
        return f"{expects}; did you mean {_label(number, names)}? Give --param {param}={number}"
    by_name = _by_name(names)
    wanted = " ".join(value.split()).casefold()
    if wanted in by_name:
        numbers = sorted(by_name[wanted])
        give = f"; give --param {param}={numbers[0]}" if len(numbers) == 1 else ""
        return f"{expects}, not a name: {value!r} is {' or '.join(_label(n, names) for n in numbers)}{give}"
    return f"{expects}; no product is named {value!r}{_closest(wanted, by_name, names)}"
