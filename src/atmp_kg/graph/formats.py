"""Which file suffixes are RDF, and in which syntax (a module of its own: finding the shipped
files at every start must not import the parsers' checks)."""

RDF_SUFFIXES = {
    ".ttl": "TURTLE",
    ".nt": "N_TRIPLES",
    ".nq": "N_QUADS",
    ".trig": "TRIG",
    ".jsonld": "JSON_LD",
    ".json": "JSON_LD",
    ".rdf": "RDF_XML",
    ".owl": "RDF_XML",
    ".xml": "RDF_XML",
}
