"""MegaPrime task config overrides (``<task _DefaultName>.py``), applied by `MegaPrime.applyConfigOverrides`."""
