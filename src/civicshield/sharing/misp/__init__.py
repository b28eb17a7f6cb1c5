"""MISP: the feed out (feed.py, views.py, cli.py) and event JSON in (importer.py, api.py).

mapping.py holds the mapping both ways; docs/misp.md explains it. PyMISP is the judge in
the tests, not a run-time dependency: the feed format is a handful of JSON shapes.
"""
