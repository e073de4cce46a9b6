"""One module per CLI command; each defines ``command``. Imports here stay light (no torch)."""
