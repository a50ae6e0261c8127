"""YAML files for dicts, lists, scalars and pydantic models."""

from __future__ import annotations

__all__ = ("YamlFormatter", "load_yaml")

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pydantic
import yaml

from .base import Formatter, read_bytes, write_bytes

if TYPE_CHECKING:
    import fsspec

# The libyaml-backed classes are several times faster; the pure-Python ones
# are a fallback for builds of PyYAML without libyaml.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BaseDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_BaseDumper):  # type: ignore[misc, valid-type]
    """Safe dumper that also accepts container subclasses and numpy scalars."""


_Dumper.add_multi_representer(dict, yaml.representer.SafeRepresenter.represent_dict)
_Dumper.add_multi_representer(list, yaml.representer.SafeRepresenter.represent_list)
_Dumper.add_multi_representer(tuple, yaml.representer.SafeRepresenter.represent_list)
_Dumper.add_multi_representer(np.generic, lambda dumper, value: dumper.represent_data(value.item()))


_TAG = "tag:yaml.org,2002:"
_BOOLS = {"yes": True, "true": True, "on": True, "no": False, "false": False, "off": False}


class _NeedsFullConstructor(Exception):
    """A node the fast path does not handle exactly as PyYAML would."""


def _construct(node: yaml.Node) -> Any:
    # Builds plain str/int/float/bool/None/list/dict exactly as PyYAML's
    # SafeConstructor does; anything else is left to it.
    tag = node.tag
    if not tag.startswith(_TAG):
        raise _NeedsFullConstructor
    kind = tag[len(_TAG) :]
    if kind == "str":
        return node.value
    if kind == "map":
        result = {}
        for key_node, value_node in node.value:
            result[_construct(key_node)] = _construct(value_node)
        return result
    if kind == "seq":
        return [_construct(item) for item in node.value]
    if kind == "int":
        value = node.value
        digits = value[1:] if value[:1] in "+-" else value
        # Leading zeros, underscores, bases and sexagesimal need PyYAML.
        if not (digits.isascii() and digits.isdigit()) or (digits[0] == "0" and digits != "0"):
            raise _NeedsFullConstructor
        return int(value)
    if kind == "float":
        value = node.value
        if "_" in value or ":" in value:
            raise _NeedsFullConstructor
        try:
            return float(value)
        except ValueError:  # .inf, .nan
            raise _NeedsFullConstructor from None
    if kind == "null":
        return None
    if kind == "bool":
        return _BOOLS[node.value.lower()]
    raise _NeedsFullConstructor


def load_yaml(data: bytes | str) -> Any:
    """Parse one YAML document with the safe loader, quickly.

    Parameters
    ----------
    data : `bytes` or `str`
        The document.

    Returns
    -------
    obj : `object`
        The same value as ``yaml.load(data, Loader=yaml.CSafeLoader)``,
        except that a node repeated through an alias is built as equal
        copies rather than one shared object.

    Raises
    ------
    yaml.YAMLError
        Raised if ``data`` is not valid YAML.

    Notes
    -----
    libyaml parses in C but PyYAML builds the objects in Python through
    generic machinery; for the plain data butler files hold, building them
    directly from the parsed nodes halves the cost of a small read.
    """
    loader = _Loader(data)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        try:
            return _construct(node)
        except (_NeedsFullConstructor, TypeError, KeyError, RecursionError):
            # TypeError: unhashable key; KeyError: odd bool; RecursionError:
            # an alias cycle.  PyYAML gives the right value or error for each.
            return loader.construct_document(node)
    finally:
        loader.dispose()


class YamlFormatter(Formatter):
    """Read and write YAML with PyYAML's safe loader and dumper.

    Objects of a storage class whose type is a `pydantic.BaseModel`
    subclass are written from ``model_dump(mode="json")`` and rebuilt with
    ``model_validate``.  Key order is preserved.
    """

    default_extension = ".yaml"
    supported_extensions = frozenset({".yaml", ".yml"})

    def _read(self, fs: fsspec.AbstractFileSystem | None, path: str, parameters: Mapping[str, Any]) -> Any:
        data = read_bytes(fs, path)
        try:
            obj = load_yaml(data)
        except (yaml.YAMLError, ValueError, KeyError, TypeError, RecursionError) as exc:
            # Only the bytes are being parsed, so every error here is the
            # file's: PyYAML raises plain ValueError/KeyError for bad tagged
            # scalars such as "!!int abc".
            raise self.read_error(path, f"invalid YAML: {exc!r}") from exc
        pytype = self.storage_class.pytype
        if issubclass(pytype, pydantic.BaseModel) and pytype is not pydantic.BaseModel:
            try:
                return pytype.model_validate(obj)
            except pydantic.ValidationError as exc:
                raise self.read_error(path, f"content does not match {pytype.__name__}: {exc}") from exc
        return obj

    def _write(self, obj: Any, fs: fsspec.AbstractFileSystem | None, path: str) -> None:
        if isinstance(obj, pydantic.BaseModel):
            obj = obj.model_dump(mode="json")
        try:
            text = yaml.dump(
                obj, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True
            )
        except yaml.representer.RepresenterError as exc:
            raise TypeError(f"Cannot write a {type(obj).__name__} as YAML: {exc}") from exc
        write_bytes(fs, path, text.encode())
