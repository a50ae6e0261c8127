"""Where a repository lives: its ``butler.yaml``, its root, and named repositories."""

from __future__ import annotations

__all__ = ["RepoConfig", "get_known_repos", "resolve_repo_location", "CONFIG_FILE"]

import os
from collections.abc import Mapping
from typing import Any

import fsspec
import yaml

from .errors import RepositoryNotFoundError

CONFIG_FILE = "butler.yaml"
ROOT_PLACEHOLDER = "<butlerRoot>"
INDEX_ENV_VARS = ("BUTLER_REPOSITORY_INDEX", "DAF_BUTLER_REPOSITORY_INDEX")


def _is_url(path: str) -> bool:
    return "://" in path and not path.startswith("file://")


def join_path(root: str, *parts: str) -> str:
    """Join path parts under a local path or URL root."""
    if _is_url(root):
        return "/".join([root.rstrip("/"), *[p.strip("/") for p in parts]])
    return os.path.join(root, *parts)


def get_known_repos() -> dict[str, str]:
    """The labels of the repository index named by ``BUTLER_REPOSITORY_INDEX`` and their locations."""
    for var in INDEX_ENV_VARS:
        index = os.environ.get(var)
        if index:
            try:
                with fsspec.open(index, "r") as stream:
                    data = yaml.safe_load(stream) or {}
            except FileNotFoundError:
                raise RepositoryNotFoundError(f"Repository index {index} (from ${var}) does not exist.") from None
            if not isinstance(data, Mapping):
                raise RepositoryNotFoundError(f"Repository index {index} must map labels to locations.")
            return {str(k): str(v) for k, v in data.items()}
    return {}


def resolve_repo_location(repo: str) -> str:
    """A repository root or config file location from a path, URL or index label."""
    repo = os.fspath(repo)
    if repo.startswith("file://"):
        repo = repo[len("file://"):]
    if _is_url(repo):
        return repo
    if os.path.exists(repo):
        return os.path.abspath(repo)
    known = get_known_repos()
    if repo in known:
        location = known[repo]
        if location.startswith("file://"):
            location = location[len("file://"):]
        if _is_url(location):
            return location
        if not os.path.exists(location):
            index = next(os.environ[v] for v in INDEX_ENV_VARS if os.environ.get(v))
            raise RepositoryNotFoundError(
                f"Repository label {repo!r} points to {location}, which does not exist (index: {index}).")
        return os.path.abspath(location)
    where = (f"and no label {repo!r} in the repository index" if known else
             "and no repository index is defined (set $BUTLER_REPOSITORY_INDEX to a YAML file of label: path)")
    raise RepositoryNotFoundError(f"No butler repository at {repo!r} {where}.")


class RepoConfig:
    """The configuration of one repository (its ``butler.yaml``).

    Attributes
    ----------
    root : `str`
        Directory or URL holding ``butler.yaml``; the default datastore root.
    data : `dict`
        The configuration with ``<butlerRoot>`` expanded.
    """

    def __init__(self, root: str, data: Mapping[str, Any]):
        self.root = root
        self.data = _expand(dict(data), root)

    @classmethod
    def read(cls, repo: str) -> RepoConfig:
        """Read the configuration of the repository at a path, URL or label."""
        location = resolve_repo_location(repo)
        if location.endswith((".yaml", ".yml")):
            config_path, root = location, location.rsplit("/", 1)[0] if _is_url(location) else os.path.dirname(location)
        else:
            config_path, root = join_path(location, CONFIG_FILE), location
        try:
            with fsspec.open(config_path, "r") as stream:
                data = yaml.safe_load(stream) or {}
        except FileNotFoundError:
            raise RepositoryNotFoundError(
                f"{repo!r} is not a butler repository: {config_path} does not exist. "
                "Create one with `butler create` or Butler.makeRepo."
            ) from None
        return cls(root, data)

    @property
    def registry_db(self) -> str:
        """SQLAlchemy URL of the registry database."""
        return self.data["registry"]["db"]

    @property
    def datastore(self) -> dict[str, Any]:
        """Datastore configuration (``root`` and friends)."""
        return dict(self.data.get("datastore", {}))


def _expand(value: Any, root: str) -> Any:
    if isinstance(value, str):
        return value.replace(ROOT_PLACEHOLDER, root)
    if isinstance(value, dict):
        return {k: _expand(v, root) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, root) for v in value]
    return value
