"""`Packages`: the software versions a run used (the ``packages`` init-output)."""

from __future__ import annotations

__all__ = ["Packages"]

import importlib.metadata
import platform
import sys
from collections.abc import Iterable, Mapping

import yaml

# Distributions whose versions decide what a pipeline computes.
_KEY_DISTRIBUTIONS = ("skybutler", "numpy", "scipy", "astropy", "sqlalchemy", "pydantic", "pyyaml", "fsspec",
                      "pyarrow", "lark", "click")


class Packages(dict[str, str]):
    """Package name → version string (a `dict`), as LSST's ``lsst.utils.packages.Packages``.

    Examples
    --------
    >>> packages = Packages.from_environment()
    >>> packages["python"] == platform.python_version()
    True
    """

    @classmethod
    def from_environment(cls, modules: Iterable[str] = ()) -> Packages:
        """Versions of Python, the key libraries, and the distributions providing ``modules``.

        Parameters
        ----------
        modules : iterable of `str`
            Dotted module names (task classes' modules); the version of each
            top-level package (its ``__version__``, or the installed
            distribution of that name) is recorded when known.
        """
        versions = {"python": platform.python_version()}
        for name in _KEY_DISTRIBUTIONS:
            version = _distribution_version(name)
            if version is not None:
                versions[name] = version
        for module in modules:
            top = module.split(".")[0]
            if top in versions:
                continue
            version = getattr(sys.modules.get(top), "__version__", None)
            if not isinstance(version, str):
                version = _distribution_version(top)
            if version is not None:
                versions[top] = version
        return cls(sorted(versions.items()))

    def difference(self, other: Mapping[str, str]) -> dict[str, tuple[str, str]]:
        """Packages present in both with different versions: name → (ours, theirs)."""
        return {name: (version, other[name]) for name, version in self.items()
                if name in other and other[name] != version}

    def to_yaml(self) -> str:
        """A YAML mapping of name to version, sorted by name."""
        return yaml.safe_dump(dict(sorted(self.items())), default_flow_style=False)

    @classmethod
    def from_yaml(cls, text: str | bytes) -> Packages:
        """Read `to_yaml` output (or LSST's YAML packages file)."""
        data = yaml.safe_load(text) or {}
        if not isinstance(data, Mapping):
            raise ValueError(f"A packages file holds a mapping of name to version, not {type(data).__name__}.")
        return cls((str(name), str(version)) for name, version in data.items())


def _distribution_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None
