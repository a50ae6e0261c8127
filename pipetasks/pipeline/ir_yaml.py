"""YAML reading and writing for pipeline documents, and checks on the primitives read.

Loading refuses repeated keys, and dumping writes multi-line strings as
``|`` blocks, so a pipeline file stays honest and readable when written back.
"""

from __future__ import annotations

__all__: list[str] = []

from collections import Counter
from collections.abc import Iterable
from typing import Any

import yaml

from .errors import PipelineYamlError


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader refusing duplicate mapping keys (a silently lost task definition is a nasty bug)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        counts = Counter(key_node.value for key_node, _ in node.value)
        duplicates = sorted(k for k, n in counts.items() if n > 1)
        if duplicates:
            raise PipelineYamlError(
                f"Pipeline documents must not repeat keys; {duplicates} appear more than once "
                f"(line {node.start_mark.line + 1})."
            )
        return super().construct_mapping(node, deep)


class _BlockStringDumper(yaml.SafeDumper):
    """Writes multi-line strings (python blocks, descriptions) as ``|`` blocks."""

    def represent_str(self, data: str) -> yaml.ScalarNode:
        style = "|" if "\n" in data else None
        return self.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_BlockStringDumper.add_representer(str, _BlockStringDumper.represent_str)


def _as_list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return list(value)
    raise PipelineYamlError(f"{what} must be a string or a list, not {value!r}.")


def _check_keys(mapping: dict[str, Any], allowed: Iterable[str], what: str) -> None:
    unknown = sorted(set(mapping) - set(allowed))
    if unknown:
        raise PipelineYamlError(f"Unknown key(s) {unknown} in {what}; allowed keys are {sorted(allowed)}.")
