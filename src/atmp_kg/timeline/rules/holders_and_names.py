"""The holder and the name of each product over time."""

from __future__ import annotations

import re
from collections import defaultdict

from ..context import Context
from ..facts import ATMP
from ..intervals import Point, opens, write_intervals

NAME = "holders-and-names"
TITLE = "The holder and the name of each product over time"
DESCRIPTION = (
    "Each observation that names the marketing authorisation holder (or applicant) or the medicine gives "
    "that value on its date: EMA's exports on their generation dates, curated sources on the date they "
    "describe (for example the holder at approval named by the EPAR). A value holds from the first source "
    "that gives it until a source gives another; before the first source, it is unknown, never a later "
    "value. Names are compared without case, spaces and punctuation, so that 'B.V.' and 'BV' are one "
    "holder, and the first spelling is kept. Where one date has two observations (a duplicated row), the "
    "observation whose IRI sorts first is taken."
)
_ASPECTS = (ATMP + "holderName", ATMP + "medicineName")
_NOT_ALNUM = re.compile(r"[\W_]+")


def apply(ctx: Context) -> None:
    f = ctx.facts
    observed_on = f.single(ATMP + "observedOn")
    licences = set(f.of_class(ATMP + "BiologicsLicence"))
    is_observation = f.kinds(ATMP + "Observation")
    key_of: dict[str, str] = {}  # each export repeats a name: normalise each spelling once
    for aspect in _ASPECTS:
        values = f.single(aspect)
        per_product: dict[str, dict[str, str]] = defaultdict(dict)
        for obs in sorted(values):
            product = f.product.get(obs)
            if (product in ctx.members or product in licences) and obs in observed_on and obs in is_observation:
                per_product[product].setdefault(observed_on[obs], obs)  # sorted: the first IRI wins
        for product in sorted(per_product):
            points: list[Point] = []
            for day, obs in sorted(per_product[product].items()):
                text = values[obs]
                key = key_of.get(text)
                if key is None:
                    key = key_of[text] = _NOT_ALNUM.sub("", text.lower())
                if opens(points, key):
                    points.append(Point(day, key, text, obs, (f.cites.get(obs) or [""])[0]))
            write_intervals(ctx, product, aspect, points, NAME)
