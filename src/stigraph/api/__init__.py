"""The HTTP service: SPARQL protocol, Graph Store, query page, operations."""

from stigraph.api.app import create_app

__all__ = ["create_app"]
