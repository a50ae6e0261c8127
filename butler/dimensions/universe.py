"""The dimension universe: every element a repository knows, loaded from YAML."""

from __future__ import annotations

__all__ = ["DimensionUniverse"]

import importlib.resources
import json
from collections.abc import Iterable, Mapping
from typing import Any

import yaml

from ..errors import DimensionNameError
from .elements import Dimension, DimensionElement, FieldSpec, SkyPixDimension
from .group import DimensionGroup

# The C implementations of the YAML loader and dumper when libyaml is available.
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_YamlDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class DimensionUniverse:
    """All dimension elements of a repository and how they relate.

    Parameters
    ----------
    config : `~collections.abc.Mapping`
        The parsed universe YAML (see ``butler/configs/dimensions.yaml``).

    Notes
    -----
    Universes are cached by ``(namespace, version)``: building one from the
    same configuration twice returns the same object, so `DimensionGroup` and
    `DataCoordinate` instances from two butlers on the same repository compare
    equal cheaply.
    """

    # Keyed by the configuration as canonical JSON (much cheaper to compute than YAML).
    _cache: dict[str, DimensionUniverse] = {}
    _default_text: str | None = None
    _default: DimensionUniverse | None = None

    def __new__(cls, config: Mapping[str, Any] | None = None) -> DimensionUniverse:
        if config is None:
            config = cls.default_config()
        key = json.dumps(config, sort_keys=True, default=str)
        cached = cls._cache.get(key)
        if cached is not None:
            return cached
        self = super().__new__(cls)
        self._build(config)
        cls._cache[key] = self
        return self

    @classmethod
    def default_config(cls) -> dict[str, Any]:
        """The universe shipped with the package, as a mapping (a new copy each call)."""
        if cls._default_text is None:
            DimensionUniverse._default_text = (
                importlib.resources.files("butler.configs").joinpath("dimensions.yaml").read_text()
            )
        return yaml.load(cls._default_text, Loader=_YamlLoader)

    @classmethod
    def from_yaml(cls, text: str) -> DimensionUniverse:
        """Build from the YAML text stored in a repository."""
        return cls(yaml.load(text, Loader=_YamlLoader))

    def to_yaml(self) -> str:
        """The configuration as YAML, to store in a repository."""
        if self._yaml is None:
            self._yaml = yaml.dump(self._config, Dumper=_YamlDumper, sort_keys=False)
        return self._yaml

    def _build(self, config: Mapping[str, Any]) -> None:
        self._config = dict(config)
        self._yaml: str | None = None
        self.version = int(config.get("version", 0))
        self.namespace = str(config.get("namespace", "butler"))
        topology = config.get("topology", {})
        spatial_of = {e: family for family, members in topology.get("spatial", {}).items() for e in members}
        temporal_of = {e: family for family, members in topology.get("temporal", {}).items() for e in members}
        elements: dict[str, DimensionElement] = {}
        for name, spec in config["elements"].items():
            common = dict(
                doc=" ".join(str(spec.get("doc", "")).split()),
                requires=tuple(spec.get("requires", ())),
                implies=tuple(spec.get("implies", ())),
                metadata=tuple(FieldSpec.from_config(m) for m in spec.get("metadata", ())),
                spatial=spatial_of.get(name),
                temporal=temporal_of.get(name),
                populated_by=spec.get("populated_by"),
                always_join=bool(spec.get("always_join", False)),
                governor=bool(spec.get("governor", False)),
                view_of=spec.get("view_of"),
            )
            keys = tuple(FieldSpec.from_config({**k, "nullable": False} if i == 0 else k)
                         for i, k in enumerate(spec.get("keys", ())))
            elements[name] = Dimension(name, keys=keys, **common) if keys else DimensionElement(name, **common)
        skypix = config.get("skypix", {})
        self.commonSkyPix_name: str = skypix.get("common", "htm7")
        for system, spec in skypix.items():
            if system == "common":
                continue
            for level in range(int(spec.get("max_level", 0)) + 1):
                element = SkyPixDimension(system, level)
                elements[element.name] = element
        self._elements = self._sort_topologically(elements)
        for index, element in enumerate(self._elements.values()):
            element.universe = self
            element.index = index
        for element in self._elements.values():
            element.required = tuple(sorted(self._expand_required(element)))
            element.implied = tuple(sorted({self._elements[n] for n in element.direct_implies}))
        self._dimensions = {n: e for n, e in self._elements.items() if isinstance(e, Dimension)}
        self._group_cache: dict[frozenset[str], DimensionGroup] = {}
        self.empty = DimensionGroup(self, (), (), ())

    @staticmethod
    def _sort_topologically(elements: dict[str, DimensionElement]) -> dict[str, DimensionElement]:
        ordered: dict[str, DimensionElement] = {}

        def visit(name: str, stack: tuple[str, ...]) -> None:
            if name in ordered:
                return
            if name in stack:
                raise ValueError(f"Dimension universe has a dependency cycle through {name!r}.")
            if name not in elements:
                raise ValueError(f"Dimension universe refers to unknown element {name!r} (from {stack[-1]!r}).")
            element = elements[name]
            for dep in element.direct_requires + element.direct_implies:
                visit(dep, stack + (name,))
            ordered[name] = element

        for name in elements:
            visit(name, ())
        return ordered

    def _expand_required(self, element: DimensionElement) -> set[Dimension]:
        result: set[Dimension] = set()
        for name in element.direct_requires:
            dep = self._elements[name]
            result.update(self._expand_required(dep))
        if isinstance(element, Dimension):
            result.add(element)
        return result

    # Lookup --------------------------------------------------------------

    def __getitem__(self, name: str) -> DimensionElement:
        try:
            return self._elements[name]
        except KeyError:
            raise DimensionNameError(self._unknown_message(name)) from None

    def __contains__(self, name: object) -> bool:
        return name in self._elements

    def _unknown_message(self, name: str) -> str:
        import difflib

        close = difflib.get_close_matches(name, list(self._elements), n=3)
        hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        return f"{name!r} is not a dimension element of this repository's universe.{hint}"

    def getStaticElements(self) -> list[DimensionElement]:
        """Every element, in dependency order."""
        return list(self._elements.values())

    def getStaticDimensions(self) -> list[Dimension]:
        """Every dimension, in dependency order."""
        return list(self._dimensions.values())

    @property
    def elements(self) -> Mapping[str, DimensionElement]:
        """Every element by name, in dependency order."""
        return self._elements

    def get_elements_populated_by(self, dimension: Dimension) -> list[DimensionElement]:
        """Join elements whose records are written together with ``dimension``'s."""
        return [e for e in self._elements.values() if e.populated_by == dimension.name]

    @property
    def governor_dimensions(self) -> list[Dimension]:
        """The governor dimensions (instrument, skymap)."""
        return [d for d in self._dimensions.values() if d.is_governor]

    @property
    def skypix_dimensions(self) -> list[SkyPixDimension]:
        """Every sky pixelization level."""
        return [d for d in self._dimensions.values() if isinstance(d, SkyPixDimension)]

    @property
    def commonSkyPix(self) -> SkyPixDimension:
        """The pixelization used to relate spatial elements (``htm7``)."""
        return self._dimensions[self.commonSkyPix_name]  # type: ignore[return-value]

    # Groups --------------------------------------------------------------

    def conform(self, dimensions: Iterable[str] | DimensionGroup | str) -> DimensionGroup:
        """Return the `DimensionGroup` of these dimensions and all they require or imply.

        Raises
        ------
        DimensionNameError
            If a name is not a dimension of this universe.
        """
        if isinstance(dimensions, DimensionGroup):
            return dimensions
        if isinstance(dimensions, str):
            dimensions = (dimensions,)
        names = frozenset(getattr(d, "name", d) for d in dimensions)
        group = self._group_cache.get(names)
        if group is not None:
            return group
        closure: set[Dimension] = set()
        pending = []
        for name in names:
            element = self[name]
            if not isinstance(element, Dimension):
                pending.extend(element.required)
                continue
            pending.append(element)
        while pending:
            dim = pending.pop()
            if dim in closure:
                continue
            closure.add(dim)
            pending.extend(dim.required)
            pending.extend(dim.implied)
        implied_by_others = {i for d in closure for i in d.implied}
        required_by_others = {r for d in closure for r in d.required if r is not d}
        implied = sorted(d for d in closure if d in implied_by_others and d not in required_by_others)
        required = sorted(d for d in closure if d not in implied)
        elements = tuple(
            e.name
            for e in self._elements.values()
            if (e in closure) or (not isinstance(e, Dimension) and e.required and set(e.required) <= closure)
        )
        group = DimensionGroup(self, tuple(d.name for d in required), tuple(d.name for d in implied), elements)
        self._group_cache[names] = group
        return group

    def __repr__(self) -> str:
        return f"DimensionUniverse(namespace={self.namespace!r}, version={self.version})"

    def __reduce__(self) -> tuple:
        # The default universe pickles by name: its configuration is ~6.6 kB, which every
        # separately pickled DatasetRef (a quantum sent to a worker) would otherwise carry.
        if self is DimensionUniverse.default():
            return (_default_universe, ())
        return (DimensionUniverse, (self._config,))

    @classmethod
    def default(cls) -> DimensionUniverse:
        """The universe shipped with this package."""
        if DimensionUniverse._default is None:
            DimensionUniverse._default = cls(None)
        return DimensionUniverse._default


def _default_universe() -> DimensionUniverse:
    return DimensionUniverse.default()
