"""IRIs of the atmp-kg vocabulary and data, and the prefixes every serialisation uses.

Plain strings only: importing this module must not import rdflib.
"""

ATMP = "https://w3id.org/atmp-kg/ontology#"
ONTOLOGY_IRI = "https://w3id.org/atmp-kg/ontology"
ID = "https://w3id.org/atmp-kg/id/"

# Order matters: the canonical Turtle writer emits prefixes in this order, and picks the
# longest matching namespace when it abbreviates an IRI.
PREFIXES: dict[str, str] = {
    "atmp": ATMP,
    "product": ID + "product/",
    "action": ID + "action/",
    "observation": ID + "observation/",
    "classification": ID + "classification/",
    "src": ID + "source/",
    "cite": ID + "citation/",
    "challenge": ID + "challenge/",
    "statement": ID + "challenge-statement/",
    "finding": ID + "finding/",
    "recommendation": ID + "recommendation/",
    "context": ID + "context/",
    "dcterms": "http://purl.org/dc/terms/",
    "obo": "http://purl.obolibrary.org/obo/",
    "owl": "http://www.w3.org/2002/07/owl#",
    "prov": "http://www.w3.org/ns/prov#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "sh": "http://www.w3.org/ns/shacl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}

RDF_TYPE = PREFIXES["rdf"] + "type"
XSD = PREFIXES["xsd"]
PROV_DERIVED = PREFIXES["prov"] + "wasDerivedFrom"
DCT_SOURCE = PREFIXES["dcterms"] + "source"

# Evidence and Conclusion Ontology terms used on citations.
ECO_MANUAL = "http://purl.obolibrary.org/obo/ECO_0000304"
ECO_IMPORTED = "http://purl.obolibrary.org/obo/ECO_0000322"


def sparql_prologue() -> str:
    """PREFIX lines for every prefix above, for queries that omit their own."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


def product_iri(number: str) -> str:
    """The product IRI minted from an EMA product number (EMEA/H/C/004090)."""
    return f"{ID}product/{number.replace('/', '-')}"


def licence_iri(bla: str) -> str:
    """The US licence IRI minted from a six-digit BLA number (125646)."""
    return f"{ID}us-licence/BLA-{bla}"


_BY_LENGTH = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))


def short_iri(iri: str) -> str:
    """prefix:local for an IRI in a known namespace with a simple local part, else the IRI."""
    for p, ns in _BY_LENGTH:
        if iri.startswith(ns):
            local = iri[len(ns):]
            if local and "/" not in local and "#" not in local:
                return f"{p}:{local}"
            break
    return iri
