"""Creating a repository and finding named ones: `ButlerRepos` gives `Butler` ``makeRepo`` (a new
repository's ``butler.yaml`` and empty registry) and the repository index (``get_known_repos``,
``get_repo_uri``: labels from ``$BUTLER_REPOSITORY_INDEX``), none of which needs an open butler."""

from __future__ import annotations

__all__ = ["ButlerRepos"]

import os
from collections.abc import Mapping
from typing import Any

import fsspec
import yaml

from .deferred import ButlerURI
from .dimensions import DimensionUniverse
from .registry import Database, Registry
from .repo_config import CONFIG_FILE, RepoConfig, join_path


class ButlerRepos:
    """Repository creation and the repository index, for `Butler` (static methods only)."""

    @staticmethod
    def makeRepo(
        root: Any,
        config: Mapping[str, Any] | str | None = None,
        dimensionConfig: Mapping[str, Any] | str | None = None,
        standalone: bool = False,
        searchPaths: Any = None,
        forceConfigRoot: bool = True,
        outfile: str | None = None,
        overwrite: bool = False,
    ) -> dict[str, Any]:
        """Create a new, empty repository and return its configuration.

        Parameters
        ----------
        root : `str`
            Directory or URL (e.g. ``s3://bucket/repo``) of the repository.
        config : mapping or `str`, optional
            Overrides, e.g. ``{"registry": {"db": "postgresql://..."}}`` or a
            YAML file of them. A repository on an object store needs a
            server database.
        dimensionConfig : mapping or `str`, optional
            A dimension universe YAML (defaults to the one shipped).
        overwrite : `bool`, optional
            Replace an existing ``butler.yaml``.

        Raises
        ------
        FileExistsError
            If the repository already exists and ``overwrite`` is false.
        """
        root = os.fspath(root)
        is_url = "://" in root and not root.startswith("file://")
        if root.startswith("file://"):
            root = root[len("file://"):]
        if not is_url:
            root = os.path.abspath(root)
        overrides = _load_mapping(config)
        data: dict[str, Any] = {
            "registry": {"db": "sqlite:///<butlerRoot>/gen3.sqlite3"},
            "datastore": {"root": "<butlerRoot>"},
        }
        for section, values in overrides.items():
            if isinstance(values, Mapping):
                data.setdefault(section, {}).update(values)
            else:
                data[section] = values
        if is_url and data["registry"]["db"].startswith("sqlite"):
            raise ValueError(
                f"A repository at {root} (an object store) needs a server database: pass "
                "config={'registry': {'db': 'postgresql://...'}} (or `butler create --db`)."
            )
        fs, config_path = fsspec.core.url_to_fs(join_path(root, CONFIG_FILE))
        if fs.exists(config_path) and not overwrite:
            raise FileExistsError(f"{join_path(root, CONFIG_FILE)} already exists; pass overwrite=True to replace it.")
        fs.makedirs(fs._parent(config_path), exist_ok=True)
        universe = DimensionUniverse(_load_mapping(dimensionConfig) or None)
        repo_config = RepoConfig(root, data)
        db = Database(repo_config.registry_db, writeable=True)
        try:
            Registry.create(db, universe)
        finally:
            db.close()
        with fs.open(config_path, "w") as stream:
            yaml.safe_dump(data, stream, sort_keys=False)
        if outfile:
            with fsspec.open(outfile, "w") as stream:
                yaml.safe_dump(data, stream, sort_keys=False)
        return data

    @staticmethod
    def get_known_repos() -> set[str]:
        """Labels of the repository index."""
        from .repo_config import get_known_repos

        return set(get_known_repos())

    @staticmethod
    def get_repo_uri(label: str, return_label: bool = False) -> ButlerURI:
        """The location the repository index gives for a label.

        Raises
        ------
        KeyError
            If the label is not in the index (or there is no index), unless
            ``return_label`` is true, in which case the label itself is returned.
        """
        from .repo_config import get_known_repos

        known = get_known_repos()
        if label in known:
            return ButlerURI(known[label])
        if return_label:
            return ButlerURI(label)
        where = "the repository index" if known else "a repository index ($BUTLER_REPOSITORY_INDEX is not set)"
        raise KeyError(f"Label {label!r} is not in {where}.")


def _load_mapping(value: Mapping[str, Any] | str | None) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return dict(value)
    with fsspec.open(os.fspath(value), "r") as stream:
        return dict(yaml.safe_load(stream) or {})
