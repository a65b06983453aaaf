"""The Jinja environment of atmp-kg's HTML pages (the scorecard, the product cards): templates
from a package's templates/ folder, autoescaped, with the filter that writes citation runs."""

from __future__ import annotations


def environment(package: str):
    import jinja2

    from .scorecard.render import runs

    env = jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["runs"] = runs
    return env
