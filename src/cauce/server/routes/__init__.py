"""One module per resource: ``hooks`` (webhook intake), ``health``."""
