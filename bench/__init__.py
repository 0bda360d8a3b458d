"""Benchmarks of the operator's real-time screens at a million contacts.

``python -m bench.seed`` fills a separate database (``BENCH_DATABASE_URL``, by default
``crm_bench`` on the local server) with server-side SQL; ``python -m bench.run`` measures
caller-ID lookup, the search box and the 360° card against it. ``python -m bench.imports``
times the contact import of a generated export (in a database of its own, ``crm_bench_imports``).
See docs/benchmarks.md.
"""
