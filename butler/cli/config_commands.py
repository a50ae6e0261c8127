"""Configuration commands: ``config-dump`` and ``config-validate``.

``config-dump`` prints the configuration a butler actually uses: the
repository's ``butler.yaml`` with ``<butlerRoot>`` expanded, the datastore
section merged over the shipped defaults (``butler/configs/datastore.yaml``)
and, as LSST shows it, the storage classes known to this installation.
``config-validate`` checks that every dataset type of a repository can be
written: its storage class is known, a formatter writes it and the file
template gives it unique paths.
"""

from __future__ import annotations

__all__ = ["COMMANDS", "config_dump", "config_validate", "resolved_config", "config_subset"]

import fnmatch
import os
from collections.abc import Mapping
from typing import IO, Any

import click
import yaml

from .options import open_butler, repo_argument, split_commas

_SECTION_FILES = ("registry", "datastore")


def _deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_yaml(path: str) -> dict[str, Any]:
    import fsspec

    with fsspec.open(path, "r") as stream:
        data = yaml.safe_load(stream) or {}
    if not isinstance(data, Mapping):
        raise ValueError(f"Configuration file {path} must hold a mapping of sections, "
                         f"not {type(data).__name__}.")
    return dict(data)


def _search_path_defaults(search_paths: tuple[str, ...]) -> dict[str, Any]:
    """Defaults from ``--searchpath``: a YAML file, or a directory holding butler/registry/datastore.yaml.

    Later paths win, as in LSST; a section file (``datastore.yaml``) may or
    may not wrap its content in its section name.
    """
    defaults: dict[str, Any] = {}
    for path in search_paths:
        if not os.path.exists(path):
            raise FileNotFoundError(f"Search path {path} does not exist; give a directory of YAML files or a "
                                    "YAML file.")
        if os.path.isfile(path):
            defaults = _deep_merge(defaults, _read_yaml(path))
            continue
        whole = os.path.join(path, "butler.yaml")
        if os.path.exists(whole):
            defaults = _deep_merge(defaults, _read_yaml(whole))
        for section in _SECTION_FILES:
            section_file = os.path.join(path, f"{section}.yaml")
            if os.path.exists(section_file):
                data = _read_yaml(section_file)
                if set(data) == {section}:
                    data = data[section]
                defaults = _deep_merge(defaults, {section: data})
    return defaults


def _storage_classes_section() -> dict[str, Any]:
    from ..storage_class_factory import get_storage_class_factory

    factory = get_storage_class_factory()
    formatters = factory.formatter_specs
    section: dict[str, Any] = {}
    for name in sorted(factory.keys()):
        storage_class = factory.getStorageClass(name)
        entry: dict[str, Any] = {"pytype": storage_class.pytype_name}
        if storage_class.inheritsFrom:
            entry["inheritsFrom"] = storage_class.inheritsFrom
        if name in formatters:
            entry["formatter"] = formatters[name].formatter
        if storage_class.parameters:
            entry["parameters"] = sorted(storage_class.parameters)
        if storage_class.components:
            entry["components"] = {k: v.name for k, v in storage_class.components.items()}
        section[name] = entry
    return section


def resolved_config(repo: str, search_paths: tuple[str, ...] = ()) -> dict[str, Any]:
    """The configuration a butler on ``repo`` uses, as one nested mapping.

    Parameters
    ----------
    repo : `str`
        Repository root, its ``butler.yaml``, a URL or an index label.
    search_paths : `tuple` [`str`], optional
        Directories (with ``butler.yaml``, ``registry.yaml``,
        ``datastore.yaml``) or YAML files giving defaults that the
        repository's own ``butler.yaml`` overrides.

    Returns
    -------
    config : `dict`
        ``registry``, ``datastore`` (merged over the shipped defaults), any
        other sections of ``butler.yaml``, and ``storageClasses``.
    """
    from ..datastore.file_datastore import load_datastore_config
    from ..repo_config import RepoConfig

    repo_config = RepoConfig.read(repo)
    data = _deep_merge(_search_path_defaults(search_paths), repo_config.data)
    datastore = load_datastore_config(data.get("datastore") or {})
    data["datastore"] = {"root": datastore.pop("root", repo_config.root), **datastore}
    ordered = {"registry": data.pop("registry"), "datastore": data.pop("datastore"), **data}
    ordered["storageClasses"] = _storage_classes_section()
    return ordered


def config_subset(config: Mapping[str, Any], key: str) -> Any:
    """The part of ``config`` at a hierarchical key, LSST style.

    A key starting with a non-alphanumeric character uses that character as
    the separator (``.datastore.root``, ``:templates:default``); otherwise
    the separator is ``.``.  Keys that themselves contain the separator
    (``calexp.wcs``) are matched whole first.

    Raises
    ------
    KeyError
        If the key is not in the configuration; the message lists the keys
        available where the lookup stopped.
    """
    text = key
    separator = "."
    if text and not (text[0].isalnum() or text[0] == "_"):
        separator, text = text[0], text[1:]
    parts = [p for p in text.split(separator) if p]
    if not parts:
        raise KeyError(f"Subset {key!r} names no key; use e.g. 'registry.db' or '.datastore.templates'.")
    node: Any = config
    index = 0
    while index < len(parts):
        if not isinstance(node, Mapping):
            raise KeyError(f"Subset {key!r} not found: {separator.join(parts[:index])!r} is a value, "
                           "not a section.")
        for end in range(len(parts), index, -1):
            candidate = separator.join(parts[index:end])
            if candidate in node:
                node, index = node[candidate], end
                break
        else:
            where = f"under {separator.join(parts[:index])!r}" if index else "at the top level"
            raise KeyError(f"Subset {key!r} not found in the configuration: no {parts[index]!r} {where} "
                           f"(available: {', '.join(map(str, node)) or 'none'}).")
    return node


@click.command("config-dump", short_help="Print a repository's configuration as YAML.")
@repo_argument()
@click.option("--subset", "-s", default=None, metavar="KEY",
              help="Print only this part, e.g. 'registry.db' or '.datastore.templates' (a leading character "
                   "other than a letter sets the separator, as in LSST).")
@click.option("--searchpath", "-p", multiple=True, callback=split_commas, metavar="PATH ...",
              help="Directories (with butler.yaml, registry.yaml or datastore.yaml) or YAML files of "
                   "defaults that the repository's butler.yaml overrides.")
@click.option("--file", "outfile", type=click.File(mode="w"), default="-",
              help="Write to this file instead of standard output.")
def config_dump(repo: str, subset: str | None, searchpath: tuple[str, ...], outfile: IO[str]) -> None:
    """Print the configuration of REPO as resolved: butler.yaml over the defaults.

    The datastore section includes the default file templates and formatter
    overrides; storageClasses lists the storage classes of this installation
    with their Python type and formatter.

    \b
    Examples:
      butler config-dump REPO
      butler config-dump --subset .registry.db ./repo/butler.yaml
      butler config-dump REPO -s datastore.templates --file templates.yaml
    """
    config = resolved_config(repo, searchpath)
    if subset is None:
        yaml.safe_dump(config, outfile, sort_keys=False, default_flow_style=False)
        return
    part = config_subset(config, subset)
    if isinstance(part, (Mapping, list)):
        yaml.safe_dump(part, outfile, sort_keys=False, default_flow_style=False)
    else:
        outfile.write(f"{subset}: {part}\n")


def _matching(names: list[str], patterns: tuple[str, ...]) -> set[str]:
    return {n for n in names if any(fnmatch.fnmatchcase(n, p) for p in patterns)}


def _message(err: Exception) -> str:
    return str(err.args[0]) if type(err) is KeyError and err.args else str(err)


def _problems(butler: Any, dataset_type: Any) -> list[tuple[str, str]]:
    """What stops datasets of ``dataset_type`` from being written, as (check, message) pairs."""
    from ..errors import ButlerError

    expected = (ButlerError, KeyError, ValueError, TypeError, ImportError, AttributeError)
    try:
        dataset_type.storageClass
    except expected as err:
        return [("storage class", _message(err))]
    problems = []
    datastore = butler.datastore
    try:
        datastore.formatters.for_write(dataset_type)
    except expected as err:
        problems.append(("formatter", _message(err)))
    try:
        datastore.templates.validate([dataset_type])
    except expected as err:
        problems.append(("file template", _message(err)))
    return problems


@click.command("config-validate", short_help="Check that every dataset type can be written.")
@repo_argument()
@click.option("--quiet", "-q", is_flag=True,
              help="Do not report individual failures, only whether any occurred.")
@click.option("--dataset-type", "-d", multiple=True, callback=split_commas, metavar="NAME ...",
              help="Check only these dataset types (names or globs; default all).")
@click.option("--ignore", "-i", multiple=True, callback=split_commas, metavar="NAME ...",
              help="Dataset types (names or globs) not to check, e.g. known problems.")
def config_validate(repo: str, quiet: bool, dataset_type: tuple[str, ...], ignore: tuple[str, ...]) -> None:
    """Check that the configuration of REPO can store every registered dataset type.

    For each dataset type: its storage class is known to this installation,
    a formatter is configured to write it, and the datastore's file template
    gives each of its datasets a unique path.  Each failure is printed; the
    exit status is 1 if there is any.

    \b
    Examples:
      butler config-validate REPO
      butler config-validate REPO -d calexp,src -i 'deep*'
    """
    from ..errors import MissingDatasetTypeError

    butler = open_butler(repo)
    try:
        registered = {t.name: t for t in butler.registry.queryDatasetTypes(...)}
        names = sorted(registered)
        if dataset_type:
            chosen = _matching(names, dataset_type)
            unknown = [p for p in dataset_type if not _matching(names, (p,))]
            if unknown:
                raise MissingDatasetTypeError(
                    f"No dataset type matches {', '.join(map(repr, unknown))}; registered: "
                    f"{', '.join(names) or 'none'}.")
            names = sorted(chosen)
        names = [n for n in names if n not in _matching(names, ignore)]
        failures = [(name, check, message) for name in names
                    for check, message in _problems(butler, registered[name])]
    finally:
        butler.close()
    if not failures:
        click.echo(f"No problems found with the configuration ({len(names)} dataset type(s) checked).")
        return
    if not quiet:
        for name, check, message in failures:
            click.echo(f"{name}: {check}: {message}")
    failed = len({name for name, _, _ in failures})
    click.echo(f"Found {len(failures)} problem(s) with {failed} of {len(names)} dataset type(s).")
    raise click.exceptions.Exit(1)


COMMANDS: list[click.Command] = [config_dump, config_validate]
