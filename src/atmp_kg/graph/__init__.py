"""The graph: reading RDF files safely, the embedded store, canonical Turtle, export, validation."""
