"""stigraph: a knowledge graph for science-and-technology diplomacy."""

__version__ = "0.1.0"
