"""Federation between Civic Shield instances over TAXII 2.1 (docs/federation.md)."""
