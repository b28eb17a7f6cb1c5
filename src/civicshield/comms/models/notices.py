"""Public notices: what the public is told, in plain and specific words."""
