"""Finding the formatter class for a storage class, a file extension or a name."""

from __future__ import annotations

__all__ = ("LSST_FORMATTER_ALIASES", "FormatterFactory", "get_formatter_factory")

import difflib
import os
import threading
from collections.abc import Mapping
from typing import Any

from ..storage_class import StorageClass, import_dotted
from ..storage_class_factory import StorageClassFactory, get_storage_class_factory, normalize_extension
from .base import Formatter
from .errors import FormatterNotFoundError

LSST_FORMATTER_ALIASES: Mapping[str, str] = {
    "lsst.daf.butler.formatters.json.JsonFormatter": "butler.formatters.json.JsonFormatter",
    "lsst.daf.butler.formatters.yaml.YamlFormatter": "butler.formatters.yaml.YamlFormatter",
    "lsst.daf.butler.formatters.parquet.ParquetFormatter": "butler.formatters.parquet.ParquetFormatter",
    "lsst.daf.butler.formatters.astropyTable.AstropyTableFormatter": (
        "butler.formatters.astropy_table.AstropyTableFormatter"
    ),
}
"""LSST daf_butler formatter class names accepted in place of ours."""


class FormatterFactory:
    """Look up formatter classes from storage class configuration.

    Parameters
    ----------
    storage_class_factory : `~butler.storage_class.StorageClassFactory`, optional
        Registry whose ``formatters`` configuration is used; the
        process-wide one by default.

    Notes
    -----
    Formatter classes are imported only when first asked for, so a process
    that only reads YAML never imports pyarrow or astropy.  Use
    `get_formatter_factory` for the process-wide instance.
    """

    def __init__(self, storage_class_factory: StorageClassFactory | None = None):
        self._storage_classes = storage_class_factory
        self._overrides: dict[str, tuple[type[Formatter], dict[str, Any]]] = {}
        self._classes: dict[str, type[Formatter]] = {}

    @property
    def storage_class_factory(self) -> StorageClassFactory:
        """The storage class registry consulted."""
        if self._storage_classes is None:
            self._storage_classes = get_storage_class_factory()
        return self._storage_classes

    def register_formatter(
        self,
        storage_class_name: str,
        formatter: type[Formatter] | str,
        write_parameters: Mapping[str, Any] | None = None,
    ) -> None:
        """Use ``formatter`` for a storage class in this factory only.

        Parameters
        ----------
        storage_class_name : `str`
            Storage class name.
        formatter : `type` or `str`
            Formatter class or its dotted name.
        write_parameters : `~collections.abc.Mapping`, optional
            Write parameters passed to the formatter by `get_formatter`.
        """
        if isinstance(formatter, str):
            formatter = self.get_formatter_class_by_name(formatter)
        self._check_formatter(formatter, formatter.__qualname__)
        self._overrides[storage_class_name] = (formatter, dict(write_parameters or {}))

    def get_formatter_class_by_name(self, dotted_name: str) -> type[Formatter]:
        """Import a formatter class from its dotted name.

        Parameters
        ----------
        dotted_name : `str`
            ``package.module.Class``; the LSST names in
            `LSST_FORMATTER_ALIASES` are accepted too.

        Raises
        ------
        ImportError
            Raised if the class cannot be imported.
        TypeError
            Raised if the object is not a `Formatter` subclass.
        """
        cached = self._classes.get(dotted_name)
        if cached is not None:
            return cached
        formatter = import_dotted(LSST_FORMATTER_ALIASES.get(dotted_name, dotted_name))
        self._check_formatter(formatter, dotted_name)
        self._classes[dotted_name] = formatter
        return formatter

    @staticmethod
    def _check_formatter(formatter: Any, name: str) -> None:
        if not (isinstance(formatter, type) and issubclass(formatter, Formatter)):
            raise TypeError(f"{name!r} is not a butler.formatters.Formatter subclass")

    def _lookup(self, storage_class: str | StorageClass) -> tuple[type[Formatter], dict[str, Any]]:
        name = storage_class.name if isinstance(storage_class, StorageClass) else storage_class
        factory = self.storage_class_factory
        specs = factory.formatter_specs
        seen = []
        current: str | None = name
        while current is not None and current not in seen:
            seen.append(current)
            if current in self._overrides:
                return self._overrides[current]
            spec = specs.get(current)
            if spec is not None:
                return self.get_formatter_class_by_name(spec.formatter), dict(spec.parameters)
            # A storage class without a formatter of its own uses its parent's.
            current = factory.getStorageClass(current).inheritsFrom if current in factory else None
        message = f"No formatter is configured for storage class {name!r}."
        matches = difflib.get_close_matches(name, list(specs) + list(self._overrides), n=3)
        if matches:
            message += f" Close matches: {matches}."
        raise FormatterNotFoundError(message)

    def get_formatter_class(self, storage_class: str | StorageClass) -> type[Formatter]:
        """Return the formatter class configured for a storage class.

        Parameters
        ----------
        storage_class : `str` or `~butler.storage_class.StorageClass`
            The storage class or its name.  A storage class with no
            formatter of its own uses the one of the class it inherits from.

        Raises
        ------
        FormatterNotFoundError
            Raised if no formatter is configured.
        """
        return self._lookup(storage_class)[0]

    def get_write_parameters(self, storage_class: str | StorageClass) -> dict[str, Any]:
        """Return the configured write parameters for a storage class."""
        return self._lookup(storage_class)[1]

    def get_formatter(
        self, storage_class: str | StorageClass, write_parameters: Mapping[str, Any] | None = None
    ) -> Formatter:
        """Return a formatter instance for a storage class.

        Parameters
        ----------
        storage_class : `str` or `~butler.storage_class.StorageClass`
            The storage class or its name.
        write_parameters : `~collections.abc.Mapping`, optional
            Write parameters overriding the configured ones.
        """
        if not isinstance(storage_class, StorageClass):
            storage_class = self.storage_class_factory.getStorageClass(storage_class)
        formatter_class, parameters = self._lookup(storage_class)
        parameters.update(write_parameters or {})
        return formatter_class(storage_class, parameters)

    def formatter_for_extension(self, ext: str) -> type[Formatter]:
        """Return the formatter class used to ingest files with this extension.

        Parameters
        ----------
        ext : `str`
            Extension such as ``.fits`` or ``fits.gz`` (case-insensitive), or
            a file name or path, whose longest configured extension is used.

        Raises
        ------
        FormatterNotFoundError
            Raised if no formatter is configured for the extension.
        """
        extensions = self.storage_class_factory.extension_formatters
        candidate = normalize_extension(ext)
        if candidate not in extensions:
            name = os.path.basename(ext).lower()
            matching = [e for e in extensions if name.endswith(e)]
            if matching:
                candidate = max(matching, key=len)
        if candidate not in extensions:
            raise FormatterNotFoundError(
                f"No formatter is configured for files like {ext!r}; known extensions: {sorted(extensions)}"
            )
        return self.get_formatter_class_by_name(extensions[candidate])


_default_factory: FormatterFactory | None = None
_default_factory_lock = threading.Lock()


def get_formatter_factory() -> FormatterFactory:
    """Return the process-wide `FormatterFactory`.

    It uses the process-wide storage class registry.
    """
    global _default_factory
    if _default_factory is None:
        with _default_factory_lock:
            if _default_factory is None:
                _default_factory = FormatterFactory()
    return _default_factory
