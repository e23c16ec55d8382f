"""Linked-data pages: what an entity IRI resolves to (RDF in five syntaxes, HTML in two languages)
and the PI Map page of a mission."""
