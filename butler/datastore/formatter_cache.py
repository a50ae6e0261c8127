"""Choosing formatters for writing, reading and ingesting, with instances cached.

A formatter instance is stateless apart from its storage class and write
parameters, so one instance per (formatter, storage class) serves every
read and one per dataset type every write.
"""

from __future__ import annotations

__all__ = ["FormatterCache"]

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import DatasetTypeNotSupportedError
from ..formatters import Formatter, FormatterFactory, FormatterNotFoundError, get_formatter_factory
from ..storage_class import StorageClass
from ..storage_class_factory import normalize_extension

if TYPE_CHECKING:
    from ..dataset_type import DatasetType

# Compression suffixes that belong with the extension before them.
_COMPRESSION = (".gz", ".bz2", ".xz", ".fz", ".zst")


def file_extension(path: str) -> str:
    """The extension of a file name, keeping compression suffixes (``.fits.gz``)."""
    name = os.path.basename(path)
    stem, ext = os.path.splitext(name)
    if ext.lower() in _COMPRESSION:
        stem, inner = os.path.splitext(stem)
        ext = inner + ext
    return ext


class FormatterCache:
    """Formatter lookup for a datastore.

    Parameters
    ----------
    overrides : `~collections.abc.Mapping`, optional
        Dataset type name or storage class name to a formatter (class,
        dotted name, or ``{formatter: NAME, parameters: {...}}``); dataset
        type names take precedence.
    factory : `~butler.formatters.FormatterFactory`, optional
        Where storage class formatters are configured; the process-wide
        factory by default.
    """

    def __init__(self, overrides: Mapping[str, Any] | None = None, factory: FormatterFactory | None = None):
        self.factory = factory if factory is not None else get_formatter_factory()
        self._overrides: dict[str, tuple[str | type[Formatter], dict[str, Any]]] = {}
        for key, value in (overrides or {}).items():
            if isinstance(value, Mapping):
                self._overrides[key] = (value["formatter"], dict(value.get("parameters") or {}))
            else:
                self._overrides[key] = (value, {})
        self._writers: dict[tuple[str, str], Formatter] = {}
        self._readers: dict[tuple[str, str], Formatter] = {}
        self._names: dict[type, str] = {}
        self._ingest: dict[tuple[str, str, str], type[Formatter]] = {}

    def storage_class(self, name: str) -> StorageClass:
        """Look up a storage class by name."""
        return self.factory.storage_class_factory.getStorageClass(name)

    def formatter_class(self, formatter: str | type[Formatter]) -> type[Formatter]:
        """The formatter class for a class or a dotted name."""
        if isinstance(formatter, str):
            return self.factory.get_formatter_class_by_name(formatter)
        if not (isinstance(formatter, type) and issubclass(formatter, Formatter)):
            raise TypeError(f"Requested formatter {formatter!r} is not a Formatter class.")
        return formatter

    def name_of(self, formatter: Formatter | type[Formatter]) -> str:
        """The dotted name recorded for a formatter."""
        cls = formatter if isinstance(formatter, type) else type(formatter)
        name = self._names.get(cls)
        if name is None:
            name = self._names[cls] = cls.dotted_name()
        return name

    def _configured(self, dataset_type_name: str, storage_class: StorageClass
                    ) -> tuple[type[Formatter], dict[str, Any]]:
        for key in (dataset_type_name, storage_class.name):
            if key in self._overrides:
                formatter, parameters = self._overrides[key]
                return self.formatter_class(formatter), parameters
        formatter_class = self.factory.get_formatter_class(storage_class)
        return formatter_class, self.factory.get_write_parameters(storage_class)

    def for_write(self, dataset_type: DatasetType) -> Formatter:
        """The formatter that writes datasets of a (non-component) dataset type.

        Raises
        ------
        DatasetTypeNotSupportedError
            Raised if no formatter is configured for the storage class.
        """
        key = (dataset_type.name, dataset_type.storageClass_name)
        formatter = self._writers.get(key)
        if formatter is None:
            storage_class = dataset_type.storageClass
            try:
                formatter_class, parameters = self._configured(dataset_type.name, storage_class)
            except FormatterNotFoundError as err:
                raise DatasetTypeNotSupportedError(
                    f"No formatter can write datasets of type {dataset_type.name} "
                    f"(storage class {storage_class.name}): {err}") from err
            formatter = self._writers[key] = formatter_class(storage_class, parameters)
        return formatter

    def for_read(self, formatter_name: str, storage_class_name: str) -> Formatter:
        """The formatter that reads a recorded file."""
        key = (formatter_name, storage_class_name)
        formatter = self._readers.get(key)
        if formatter is None:
            formatter_class = self.factory.get_formatter_class_by_name(formatter_name)
            formatter = self._readers[key] = formatter_class(self.storage_class(storage_class_name))
        return formatter

    def for_ingest(self, dataset_type: DatasetType, path: str, given: str | type[Formatter] | None, *,
                   extension: str | None = None) -> type[Formatter]:
        """The formatter class to record for an ingested file.

        The given one if any; else the storage class's, if it reads files
        with this extension (or declares none); else the one configured for
        the extension; else the storage class's anyway.

        Parameters
        ----------
        dataset_type : `DatasetType`
            Dataset type of (the first dataset in) the file.
        path : `str`
            The file.
        given : `str` or `type`, optional
            Formatter given by the caller.
        extension : `str`, optional
            ``file_extension(path)``, if already known.

        Raises
        ------
        DatasetTypeNotSupportedError
            Raised if no formatter can be found.
        """
        if given is not None:
            return self.formatter_class(given)
        if extension is None:
            extension = file_extension(path)
        extension = normalize_extension(extension) if extension else ""
        key = (dataset_type.name, dataset_type.storageClass_name, extension)
        cached = self._ingest.get(key)
        if cached is not None:
            return cached
        configured: type[Formatter] | None = None
        try:
            configured = self._configured(dataset_type.name, dataset_type.storageClass)[0]
        except FormatterNotFoundError:
            pass
        chosen = None
        if configured is not None and (not extension or not configured.supported_extensions
                                       or extension in configured.supported_extensions):
            chosen = configured
        elif extension:
            try:
                chosen = self.factory.formatter_for_extension(path)
            except FormatterNotFoundError:
                pass
        if chosen is None:
            chosen = configured
        if chosen is None:
            raise DatasetTypeNotSupportedError(
                f"No formatter is configured for storage class {dataset_type.storageClass_name} of "
                f"{dataset_type.name} nor for files like {os.path.basename(path)!r}.")
        self._ingest[key] = chosen
        return chosen
