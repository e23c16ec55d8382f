"""Exports: whole-scope dumps, their dataset description, and the partner profile.

One module per job: ``view`` (what a scope may read, from the CLI's store or a worker's
snapshot), ``dump`` (streamed serialisations), ``describe`` (VoID, DCAT and PROV of an export),
``partner`` (the partner profile in schema.org and EURIO terms), ``conform`` (the closed shapes
the profile must meet before it ships), ``jsonld`` (compact JSON-LD with an inline context),
``files`` (write-then-rename, so a failed export leaves nothing) and ``jobs`` (the worker side
of ``GET /export/...``).
"""
