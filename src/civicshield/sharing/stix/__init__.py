"""STIX 2.1 in and out (docs/stix-mapping.md): ids, markings, export, validation, import."""
