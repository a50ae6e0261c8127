"""`PipelineTaskConfig`: a task config that carries a ``connections`` section built from its connections class.

::

    class CalibrateConfig(PipelineTaskConfig, pipelineConnections=CalibrateConnections):
        doApCorr = pexConfig.Field(dtype=bool, default=True, doc="Apply aperture corrections?")

    config = CalibrateConfig()
    config.connections.exposure = "myIcExp"     # one str field per connection...
    config.connections.prefix = "deep"          # ...and per name template
"""

from __future__ import annotations

__all__ = ["PipelineTaskConfig", "PipelineTaskConfigMeta"]

import numbers
from typing import Any

from pipetasks.config import Config, ConfigField, ConfigMeta, Field

from .connections import PipelineTaskConnections


class _TemplateField(Field):
    """A `str` field that also takes numbers (``-c connections.cycle=3``), stored as text."""

    def _coerce(self, value: Any) -> Any:
        if isinstance(value, numbers.Number) and not isinstance(value, bool):
            return str(value)
        return super()._coerce(value)


def _connections_config_class(config_name: str, module: str, connections_class: type) -> type[Config]:
    namespace: dict[str, Any] = {"__module__": module, "ConnectionsClass": connections_class}
    for name, connection in connections_class.allConnections.items():
        namespace[name] = Field(
            doc=f"Dataset type name of connection {name}" + (f" ({connection.doc})" if connection.doc else ""),
            dtype=str, default=connection.name, deprecated=connection.deprecated,
        )
    for name, default in connections_class.defaultTemplates.items():
        namespace[name] = _TemplateField(
            doc=f"Template value substituted for {{{name}}} in connection names", dtype=str, default=str(default),
            deprecated=connections_class.deprecatedTemplates.get(name),
        )
    generated = ConfigMeta(f"{config_name}Connections", (Config,), namespace)
    generated.__qualname__ = f"{config_name}.ConnectionsConfigClass"
    return generated


class PipelineTaskConfigMeta(ConfigMeta):
    """Metaclass of `PipelineTaskConfig`: builds the ``connections`` section from ``pipelineConnections=``.

    A subclass declared without ``pipelineConnections`` inherits its base's
    connections class.
    """

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any):
        connections_class = kwargs.pop("pipelineConnections", None)
        is_root = not any(isinstance(base, PipelineTaskConfigMeta) for base in bases)
        if not is_root:
            if connections_class is None:
                connections_class = next(
                    (base.ConnectionsClass for base in bases if getattr(base, "ConnectionsClass", None)), None
                )
            if connections_class is None:
                raise NameError(
                    f"{name} or one of its bases must be declared with a connections class: "
                    f"class {name}(PipelineTaskConfig, pipelineConnections=MyConnections): ..."
                )
            if not (isinstance(connections_class, type) and issubclass(connections_class, PipelineTaskConnections)):
                raise ValueError(
                    f"pipelineConnections of {name} must be a PipelineTaskConnections subclass, "
                    f"not {connections_class!r}."
                )
            section = _connections_config_class(name, namespace.get("__module__", __name__), connections_class)
            namespace["connections"] = ConfigField(
                dtype=section, doc="Dataset type names of the task's connections, and name templates."
            )
            namespace["ConnectionsConfigClass"] = section
            namespace["ConnectionsClass"] = connections_class
        return super().__new__(mcs, name, bases, namespace)

    def __init__(cls, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any):
        super().__init__(name, bases, namespace)


class PipelineTaskConfig(Config, metaclass=PipelineTaskConfigMeta):
    """Base class of `PipelineTask` configs; declare subclasses with ``pipelineConnections=``.

    Attributes
    ----------
    connections : `Config`
        One `str` field per connection (its dataset type name) and per name
        template.
    saveLogOutput : `bool`
        Whether the executor writes the ``<label>_log`` dataset.
    """

    ConnectionsClass: type[PipelineTaskConnections]
    ConnectionsConfigClass: type[Config]

    saveLogOutput = Field(dtype=bool, default=True, optional=False,
                          doc="Flag to enable/disable saving of log output for a task, enabled by default.")
