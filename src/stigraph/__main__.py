"""``python -m stigraph`` runs the CLI."""

from stigraph.cli import main

main()
