"""SPARQL text checks that run before any engine sees a request."""
