"""The store facade: the only package that touches pyoxigraph's Store or a SPARQL engine."""

from stigraph.store.base import GraphStore, StoreStats, Writer
from stigraph.store.embedded import EmbeddedStore, open_store

__all__ = ["EmbeddedStore", "GraphStore", "StoreStats", "Writer", "open_store"]
