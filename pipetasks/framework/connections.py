"""`PipelineTaskConnections`: the datasets a PipelineTask reads and writes, declared as class attributes.

A connections class is declared with the task's quantum dimensions and,
when connection names hold ``{template}`` fields, their default values::

    class CalibrateConnections(PipelineTaskConnections,
                               dimensions=("instrument", "visit", "detector"),
                               defaultTemplates={"prefix": ""}):
        exposure = cT.Input(name="{prefix}icExp", storageClass="ExposureF",
                            dimensions=("instrument", "visit", "detector"))
        ...

        def __init__(self, *, config=None):
            if not config.doApCorr:
                del self.apCorrMap          # drop a connection the config makes useless

Instances are built from a `PipelineTaskConfig` (``Connections(config=c)``):
each connection's dataset type name comes from ``config.connections.<name>``
(which defaults to the declared name), with templates filled from
``config.connections.<template>``.
"""

from __future__ import annotations

__all__ = [
    "AdjustQuantumHelper",
    "PipelineTaskConnections",
    "PipelineTaskConnectionsMetaclass",
    "iterConnections",
]

import dataclasses
import itertools
import string
import warnings
from collections.abc import Collection, Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .connectionTypes import BaseConnection, BaseInput, Output, PrerequisiteInput
from .errors import NoWorkFound, ScalarError
from .quantized_connection import DeferredDatasetRef, InputQuantizedConnection, OutputQuantizedConnection

if TYPE_CHECKING:
    from butler import DataCoordinate, DatasetRef

    from .pipeline_task_config import PipelineTaskConfig
    from .quantum import Quantum

CONNECTION_SETS = ("initInputs", "prerequisiteInputs", "inputs", "initOutputs", "outputs")
"""The names of the per-kind connection-name sets, in the order connections are listed."""

_RESERVED = frozenset({"dimensions", "allConnections", "config", "defaultTemplates", "deprecatedTemplates",
                       *CONNECTION_SETS})


class _DeclarationNamespace(dict):
    """Class-body namespace that records connection attributes as they are declared."""

    def __init__(self) -> None:
        super().__init__()
        self.connections: dict[str, BaseConnection] = {}

    def __setitem__(self, name: str, value: Any) -> None:
        if isinstance(value, BaseConnection):
            if name in _RESERVED:
                raise AttributeError(f"Connection name {name!r} is reserved for internal use; choose another.")
            if getattr(value, "varName", name) != name:
                value = dataclasses.replace(value)  # one declaration object used under two names
            object.__setattr__(value, "varName", name)
            self.connections[name] = value
        elif name in self.connections:
            del self.connections[name]  # a subclass replaced an inherited connection by something else
        super().__setitem__(name, value)


def _template_fields(name: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(name) if field is not None}


class PipelineTaskConnectionsMetaclass(type):
    """Metaclass of `PipelineTaskConnections`: collects connections, dimensions and templates."""

    @classmethod
    def __prepare__(mcs, name: str, bases: tuple[type, ...], **kwargs: Any) -> _DeclarationNamespace:
        namespace = _DeclarationNamespace()
        for base in reversed(bases):
            if isinstance(base, PipelineTaskConnectionsMetaclass):
                for conn_name, connection in base.allConnections.items():
                    namespace[conn_name] = connection
        return namespace

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any):
        if not isinstance(namespace, _DeclarationNamespace):  # built by calling the metaclass directly
            declared = mcs.__prepare__(name, bases)
            for key, value in namespace.items():
                declared[key] = value
            namespace = declared
        connections = dict(namespace.connections)
        is_root = not any(isinstance(base, PipelineTaskConnectionsMetaclass) for base in bases)
        body = dict(namespace)
        if is_root:
            templates: dict[str, str] = {}
            deprecated_templates: dict[str, str] = {}
        else:
            body["dimensions"] = mcs._class_dimensions(name, bases, kwargs)
            templates, deprecated_templates = mcs._class_templates(name, bases, kwargs, connections)
        body["defaultTemplates"] = templates
        body["deprecatedTemplates"] = deprecated_templates
        body["allConnections"] = MappingProxyType(connections)
        for set_name in CONNECTION_SETS:
            body[set_name] = frozenset(
                conn_name for conn_name, c in connections.items() if c._connection_type_set == set_name
            )
        return super().__new__(mcs, name, bases, body)

    def __init__(cls, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any):
        super().__init__(name, bases, namespace)

    @staticmethod
    def _class_dimensions(name: str, bases: tuple[type, ...], kwargs: dict[str, Any]) -> frozenset[str]:
        if "dimensions" in kwargs:
            raw = kwargs["dimensions"]
        else:
            raw = next((base.dimensions for base in bases if hasattr(base, "dimensions")), None)
            if raw is None:
                raise TypeError(
                    f"PipelineTaskConnections class {name} must be created with a dimensions keyword: "
                    f"class {name}(PipelineTaskConnections, dimensions=(\"instrument\", \"visit\")): ..."
                )
        if isinstance(raw, str) or not isinstance(raw, Iterable):
            raise TypeError(
                f"dimensions of {name} must be an iterable of dimension names, not {raw!r} "
                "(a missing trailing comma in a one-element tuple?)."
            )
        return frozenset(raw)

    @staticmethod
    def _class_templates(
        name: str, bases: tuple[type, ...], kwargs: dict[str, Any], connections: Mapping[str, BaseConnection]
    ) -> tuple[dict[str, str], dict[str, str]]:
        templates: dict[str, str] = {}
        deprecated: dict[str, str] = {}
        for base in reversed(bases):
            templates.update(getattr(base, "defaultTemplates", {}))
            deprecated.update(getattr(base, "deprecatedTemplates", {}))
        templates.update(kwargs.get("defaultTemplates", {}))
        deprecated.update(kwargs.get("deprecatedTemplates", {}))
        used: dict[str, str] = {}
        for conn_name, connection in connections.items():
            for field in _template_fields(connection.name):
                used.setdefault(field, conn_name)
        missing = {field: conn for field, conn in used.items() if field not in templates}
        if missing:
            detail = ", ".join(f"{{{field}}} (in {conn})" for field, conn in sorted(missing.items()))
            raise TypeError(
                f"Connection names of {name} use templates with no default: {detail}; pass "
                f"defaultTemplates={{{', '.join(repr(f) + ': ...' for f in sorted(missing))}}} in the class "
                "statement."
            )
        clash = set(templates) & set(connections)
        if clash:
            raise TypeError(
                f"Template names of {name} cannot also be connection names: {sorted(clash)}."
            )
        return templates, deprecated

    def __call__(cls, *, config: PipelineTaskConfig | None = None) -> PipelineTaskConnections:
        from .pipeline_task_config import PipelineTaskConfig

        if not isinstance(config, PipelineTaskConfig):
            raise ValueError(
                f"{cls.__name__} must be instantiated with a PipelineTaskConfig instance "
                f"(config=...), not {config!r}."
            )
        instance: PipelineTaskConnections = cls.__new__(cls)
        state = instance.__dict__
        state["_frozen"] = False
        state["config"] = config
        state["dimensions"] = set(cls.dimensions)
        for set_name in CONNECTION_SETS:
            state[set_name] = set(getattr(cls, set_name))
        state["_allConnections"] = {}
        state["allConnections"] = MappingProxyType(state["_allConnections"])
        for conn_name, connection in cls.allConnections.items():
            state["_allConnections"][conn_name] = _configured(cls, connection, conn_name, config)
        instance.__init__(config=config)
        instance._finish_construction()
        return instance


def _configured(cls: type, connection: BaseConnection, conn_name: str, config: Any) -> BaseConnection:
    """A copy of ``connection`` with its dataset type name from ``config.connections``."""
    section = config.connections
    template_values = {t: getattr(section, t) for t in cls.defaultTemplates}
    raw_name = getattr(section, conn_name)
    try:
        final = raw_name.format(**template_values)
    except (KeyError, IndexError, ValueError) as err:
        raise ValueError(
            f"Dataset type name {raw_name!r} of connection {conn_name!r} ({cls.__name__}) cannot be "
            f"formatted with the templates {template_values}: {err!r}."
        ) from None
    doc = connection.doc if connection.deprecated is None else f"{connection.doc}\n{connection.deprecated}"
    copy = dataclasses.replace(connection, name=final, doc=doc)
    object.__setattr__(copy, "varName", conn_name)
    return copy


class PipelineTaskConnections(metaclass=PipelineTaskConnectionsMetaclass):
    """Declared inputs and outputs of a `PipelineTask`, configured by a `PipelineTaskConfig`.

    Subclass with the ``dimensions=`` (and optionally ``defaultTemplates=``)
    class keywords and connection class attributes from
    `pipetasks.framework.connectionTypes`.  ``__init__(self, *, config)`` may
    remove connections (``del self.x``, or ``self.inputs.remove("x")``), add
    or replace them (``self.x = cT.Input(...)``) or change ``self.dimensions``;
    after it returns, the instance is frozen.

    Attributes
    ----------
    dimensions : `frozenset` [`str`]
        The task's quantum dimensions.
    inputs, prerequisiteInputs, outputs, initInputs, initOutputs : `frozenset` [`str`]
        Connection names of each kind.
    allConnections : mapping [`str`, `BaseConnection`]
        Every connection by name, with final dataset type names.
    config : `PipelineTaskConfig`
        The config the instance was built from.
    """

    dimensions: frozenset[str]
    defaultTemplates: dict[str, str]
    deprecatedTemplates: dict[str, str]
    inputs: frozenset[str]
    prerequisiteInputs: frozenset[str]
    outputs: frozenset[str]
    initInputs: frozenset[str]
    initOutputs: frozenset[str]
    allConnections: Mapping[str, BaseConnection]

    def __init__(self, *, config: PipelineTaskConfig | None = None):
        pass

    # -- changing connections in __init__ ---------------------------------------

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, BaseConnection):
            self._check_not_frozen(name)
            previous = self._allConnections.get(name)
            if previous is not None and previous._connection_type_set != value._connection_type_set:
                self.__dict__[previous._connection_type_set].discard(name)
            self.__dict__[value._connection_type_set].add(name)
            object.__setattr__(value, "varName", name)
            self._allConnections[name] = value
            if not isinstance(getattr(type(self), name, None), BaseConnection):
                self.__dict__[name] = value
            return
        if self.__dict__.get("_frozen") and name in _RESERVED:
            raise TypeError(f"{type(self).__name__}.{name} cannot be changed after __init__.")
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        previous = self._allConnections.get(name)
        if previous is None:
            object.__delattr__(self, name)
            return
        self._check_not_frozen(name)
        self.__dict__[previous._connection_type_set].discard(name)
        del self._allConnections[name]
        self.__dict__.pop(name, None)

    def _check_not_frozen(self, name: str) -> None:
        if self.__dict__.get("_frozen"):
            raise TypeError(
                f"Connections of {type(self).__name__} are frozen after __init__; cannot change {name!r}."
            )

    def _finish_construction(self) -> None:
        state = self.__dict__
        kept: dict[str, BaseConnection] = {}
        for set_name in CONNECTION_SETS:
            for conn_name in sorted(state[set_name]):
                connection = self._allConnections.get(conn_name)
                if connection is None:
                    raise AttributeError(
                        f"{type(self).__name__}.{set_name} names {conn_name!r}, which is not a connection."
                    )
                kept[conn_name] = connection
            state[set_name] = frozenset(state[set_name])
        for removed in set(self._allConnections) - set(kept):
            state.pop(removed, None)
        self._allConnections.clear()
        self._allConnections.update(kept)
        state["dimensions"] = frozenset(state["dimensions"])
        state["_frozen"] = True
        for conn_name, connection in kept.items():
            if connection.deprecated is not None:
                warnings.warn(
                    f"Connection {conn_name} with dataset type {connection.name} is deprecated: "
                    f"{connection.deprecated}",
                    FutureWarning,
                    stacklevel=3,
                )

    # -- quanta ---------------------------------------------------------------

    def buildDatasetRefs(self, quantum: Quantum) -> tuple[InputQuantizedConnection, OutputQuantizedConnection]:
        """Sort a quantum's refs by connection name, as ``runQuantum`` receives them.

        Parameters
        ----------
        quantum : `Quantum`
            The quantum; its refs are found by each connection's dataset type name.

        Returns
        -------
        inputRefs : `InputQuantizedConnection`
            A ref per scalar input (absent if the quantum has none: an optional
            prerequisite), a list per ``multiple`` input; `DeferredDatasetRef`
            wrappers for ``deferLoad`` connections.
        outputRefs : `OutputQuantizedConnection`
            The same for outputs.

        Raises
        ------
        ScalarError
            A scalar connection has several refs in the quantum.
        """
        input_refs = InputQuantizedConnection()
        output_refs = OutputQuantizedConnection()
        for conn_name in itertools.chain(sorted(self.inputs), sorted(self.prerequisiteInputs)):
            connection = self._allConnections[conn_name]
            refs: list[Any] = list(quantum.inputs.get(connection.name, ()))
            if connection.deferLoad:
                refs = [DeferredDatasetRef(ref) for ref in refs]
            self._set_quantized(input_refs, conn_name, connection, refs, quantum)
        for conn_name in sorted(self.outputs):
            connection = self._allConnections[conn_name]
            refs = list(quantum.outputs.get(connection.name, ()))
            self._set_quantized(output_refs, conn_name, connection, refs, quantum)
        return input_refs, output_refs

    @staticmethod
    def _set_quantized(target: Any, conn_name: str, connection: BaseConnection, refs: list[Any],
                       quantum: Quantum) -> None:
        if connection.multiple:
            setattr(target, conn_name, refs)
            return
        if len(refs) > 1:
            raise ScalarError(
                f"Received {len(refs)} datasets {', '.join(str(r.dataId) for r in refs)} for scalar "
                f"connection {conn_name} ({connection.name}) of quantum {quantum.taskLabel} with data ID "
                f"{quantum.dataId}; declare it with multiple=True to accept several."
            )
        if refs:
            setattr(target, conn_name, refs[0])

    def adjustQuantum(
        self,
        inputs: dict[str, tuple[BaseInput, Collection[DatasetRef]]],
        outputs: dict[str, tuple[Output, Collection[DatasetRef]]],
        label: str,
        data_id: DataCoordinate,
    ) -> tuple[Mapping[str, tuple[BaseInput, Collection[DatasetRef]]],
               Mapping[str, tuple[Output, Collection[DatasetRef]]]]:
        """Check (and let subclasses trim) the datasets of one quantum before it is run.

        Parameters
        ----------
        inputs : `dict` [`str`, `tuple` [connection, collection of refs]]
            Regular and prerequisite inputs by connection name.
        outputs : `dict` [`str`, `tuple` [connection, collection of refs]]
            Outputs by connection name.
        label : `str`
            The task's label (for messages).
        data_id : `~butler.DataCoordinate`
            The quantum's data ID (for messages).

        Returns
        -------
        adjusted_inputs, adjusted_outputs : mapping
            Only the connections whose refs changed (the base class changes
            none); refs may be removed, never added.

        Raises
        ------
        ScalarError
            A ``multiple=False`` connection has several datasets.
        NoWorkFound
            A regular input has fewer than ``minimum`` datasets.
        FileNotFoundError
            A prerequisite input has fewer than ``minimum`` datasets.

        Notes
        -----
        Overrides should trim, update ``inputs``/``outputs`` with their
        changes, call ``super().adjustQuantum(inputs, outputs, label, data_id)``
        and return their changes.
        """
        for conn_name, (connection, refs) in inputs.items():
            if not connection.multiple and len(refs) > 1:
                raise ScalarError(
                    f"Found multiple datasets {', '.join(str(r.dataId) for r in refs)} for non-multiple input "
                    f"connection {label}.{conn_name} ({connection.name}) for quantum data ID {data_id}."
                )
            if len(refs) < connection.minimum:
                if isinstance(connection, PrerequisiteInput):
                    raise FileNotFoundError(
                        f"Not enough datasets ({len(refs)}) found for non-optional connection "
                        f"{label}.{conn_name} ({connection.name}) with minimum={connection.minimum} for "
                        f"quantum data ID {data_id}."
                    )
                raise NoWorkFound(
                    f"Quantum {label} {data_id} has no work: input {conn_name} ({connection.name}) has "
                    f"{len(refs)} dataset(s), fewer than its minimum of {connection.minimum}."
                )
        for conn_name, (connection, refs) in outputs.items():
            if not connection.multiple and len(refs) > 1:
                raise ScalarError(
                    f"Found multiple datasets {', '.join(str(r.dataId) for r in refs)} for non-multiple output "
                    f"connection {label}.{conn_name} ({connection.name}) for quantum data ID {data_id}."
                )
        return {}, {}

    def getSpatialBoundsConnections(self) -> Iterable[str]:
        """Connections whose data IDs widen the quantum's region for spatial prerequisite look-ups."""
        return ()

    def getTemporalBoundsConnections(self) -> Iterable[str]:
        """Connections whose data IDs widen the quantum's timespan for calibration look-ups."""
        return ()

    def __repr__(self) -> str:
        parts = ", ".join(f"{n}={c.name!r}" for n, c in self.allConnections.items())
        return f"{type(self).__name__}({parts})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from the config, so a connections __init__ runs again in the receiving process.
        return (_rebuild_connections, (type(self), self.config))


def _rebuild_connections(cls: type, config: Any) -> PipelineTaskConnections:
    return cls(config=config)


def iterConnections(connections: PipelineTaskConnections, connectionType: str | Iterable[str]
                    ) -> Iterator[BaseConnection]:
    """Yield the connections of one or more kinds (``"inputs"``, ``"outputs"``...).

    Parameters
    ----------
    connections : `PipelineTaskConnections`
        A connections instance.
    connectionType : `str` or iterable of `str`
        Kinds, among ``inputs``, ``prerequisiteInputs``, ``outputs``,
        ``initInputs``, ``initOutputs``.
    """
    kinds = (connectionType,) if isinstance(connectionType, str) else tuple(connectionType)
    for kind in kinds:
        if kind not in CONNECTION_SETS:
            raise ValueError(f"Unknown connection kind {kind!r}; expected one of {CONNECTION_SETS}.")
        for conn_name in sorted(getattr(connections, kind)):
            yield connections.allConnections[conn_name]


@dataclasses.dataclass
class AdjustQuantumHelper:
    """Calls `PipelineTaskConnections.adjustQuantum` on refs keyed by dataset type name.

    Graph builders and executors hold a quantum's refs by dataset type name
    (as `Quantum` does); this translates to and from the per-connection form
    ``adjustQuantum`` takes.

    Attributes
    ----------
    inputs, outputs : `dict` [`str`, `tuple` [`~butler.DatasetRef`, ...]]
        Refs by dataset type name, replaced by the adjusted ones.
    inputs_adjusted, outputs_adjusted : `bool`
        Whether the last `adjust_in_place` removed any input / output.
    """

    inputs: dict[str, tuple[DatasetRef, ...]]
    outputs: dict[str, tuple[DatasetRef, ...]]
    inputs_adjusted: bool = False
    outputs_adjusted: bool = False

    def adjust_in_place(self, connections: PipelineTaskConnections, label: str, data_id: DataCoordinate) -> None:
        """Run ``connections.adjustQuantum`` and keep its result.

        Raises
        ------
        NoWorkFound, ScalarError, FileNotFoundError
            As `PipelineTaskConnections.adjustQuantum`.
        RuntimeError
            The override added refs it was not given.
        """
        every = connections.allConnections
        by_input = {
            name: (every[name], tuple(self.inputs.get(every[name].name, ())))
            for name in itertools.chain(sorted(connections.inputs), sorted(connections.prerequisiteInputs))
        }
        by_output = {
            name: (every[name], tuple(self.outputs.get(every[name].name, ())))
            for name in sorted(connections.outputs)
        }
        new_inputs, new_outputs = connections.adjustQuantum(by_input, by_output, label, data_id)
        self.inputs_adjusted = self._apply(self.inputs, new_inputs, label, data_id, "input")
        self.outputs_adjusted = self._apply(self.outputs, new_outputs, label, data_id, "output")

    @staticmethod
    def _apply(current: dict[str, tuple[DatasetRef, ...]], changes: Mapping[str, tuple[Any, Collection[Any]]],
               label: str, data_id: DataCoordinate, kind: str) -> bool:
        for conn_name, (connection, refs) in changes.items():
            before = set(current.get(connection.name, ()))
            if not set(refs) <= before:
                raise RuntimeError(
                    f"adjustQuantum of task {label} returned {kind} datasets for {conn_name} "
                    f"({connection.name}) that it was not given, for data ID {data_id}; it may only remove."
                )
            current[connection.name] = tuple(refs)
        return bool(changes)
