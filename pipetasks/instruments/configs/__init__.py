"""Config overrides instruments apply to tasks: ``<instrument>/<task _DefaultName>.py``."""
