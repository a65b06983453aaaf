"""atmp-kg: a sourced knowledge graph of the EU's advanced therapy medicinal products.

The library is usable on its own; the `atmp-kg` command is a thin layer over it.
Heavy dependencies (rdflib, pyshacl, pyoxigraph) are imported inside the functions that
need them so that `atmp-kg --help` stays instant.
"""

__version__ = "0.1.0"
