"""SPARQL endpoints: the HTTP client (queries, Graph Store Protocol push) and the local server."""
