"""Data butler: a SQL registry of datasets plus a file datastore."""
