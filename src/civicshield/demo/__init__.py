"""The demo election: a fictional country, Veridia, and its national election.

Loaded by `civicshield demo` and, once, by `civicshield up`. Never in production.
"""
