"""Curated queries: ``queries/<topic>/<name>.rq`` files read into a typed, checked catalogue."""
