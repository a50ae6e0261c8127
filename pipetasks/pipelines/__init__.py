"""Pipeline definitions shipped with the package (``importlib.resources`` files)."""
