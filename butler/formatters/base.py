"""The abstract `Formatter`: reads and writes one storage class to one file format."""

from __future__ import annotations

__all__ = ("Formatter", "local_path", "read_bytes", "write_bytes")

import abc
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from fsspec.implementations.local import LocalFileSystem

from ..storage_class import StorageClass, UnknownComponentError
from .errors import FormatterReadError

if TYPE_CHECKING:
    import fsspec


def local_path(fs: fsspec.AbstractFileSystem | None, path: str | os.PathLike[str]) -> str | None:
    """Return the local filesystem path for ``path``, or `None` if not local.

    Parameters
    ----------
    fs : `fsspec.AbstractFileSystem` or `None`
        `None` means a plain local path.
    path : `str` or path-like
        Path on ``fs``.
    """
    if fs is None:
        return os.fspath(path)
    if isinstance(fs, LocalFileSystem):
        return fs._strip_protocol(os.fspath(path))
    return None


def read_bytes(fs: fsspec.AbstractFileSystem | None, path: str | os.PathLike[str]) -> bytes:
    """Return the whole content of a file.

    Parameters
    ----------
    fs : `fsspec.AbstractFileSystem` or `None`
        Filesystem; `None` for a plain local path (read with `open`).
    path : `str` or path-like
        Path on ``fs``.
    """
    local = local_path(fs, path)
    if local is not None:
        with open(local, "rb") as stream:
            return stream.read()
    assert fs is not None
    return fs.cat_file(os.fspath(path))


def write_bytes(fs: fsspec.AbstractFileSystem | None, path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to exactly ``path``, replacing any existing file.

    Parameters
    ----------
    fs : `fsspec.AbstractFileSystem` or `None`
        Filesystem; `None` for a plain local path (written with `open`).
    path : `str` or path-like
        Path on ``fs``.
    data : `bytes`
        Content to write.
    """
    local = local_path(fs, path)
    if local is not None:
        with open(local, "wb") as stream:
            stream.write(data)
        return
    assert fs is not None
    with fs.open(os.fspath(path), "wb") as stream:
        stream.write(data)


class Formatter(abc.ABC):
    """Read and write datasets of one storage class in one file format.

    Parameters
    ----------
    storage_class : `~butler.storage_class.StorageClass`
        Storage class of the objects written and returned.
    write_parameters : `~collections.abc.Mapping`, optional
        Options for writing; must be a subset of
        ``supported_write_parameters``.

    Raises
    ------
    ValueError
        Raised if an unsupported write parameter is given.

    Notes
    -----
    Every method taking ``fs`` also accepts `None`, meaning ``path`` is a
    local path read and written with the builtin `open` (the fastest path).

    Subclasses implement `_read` and `_write`, and may declare:

    ``supported_read_parameters``
        Parameters `_read` applies itself; any other parameter accepted by
        the storage class is applied after reading by the storage class's
        delegate.
    ``readable_components``
        Components `_read_component` can read straight from the file; other
        components are taken from the whole object by the delegate.
    """

    default_extension: ClassVar[str] = ""
    """Extension, with leading dot, of files this formatter writes."""

    supported_extensions: ClassVar[frozenset[str]] = frozenset()
    """Extensions (lower case, leading dot) of files this formatter can read."""

    supported_write_parameters: ClassVar[frozenset[str]] = frozenset()
    """Names of the accepted write parameters."""

    supported_read_parameters: ClassVar[frozenset[str]] = frozenset()
    """Read parameters applied by the formatter while reading the file."""

    readable_components: ClassVar[frozenset[str]] = frozenset()
    """Components the formatter reads directly from the file."""

    needs_data_id: ClassVar[bool] = False
    """Whether `_read` and `_read_component` take a ``data_id`` keyword: set by formatters of
    files that hold many datasets (a raw multi-extension FITS file holds one per detector)."""

    def __init__(self, storage_class: StorageClass, write_parameters: Mapping[str, Any] | None = None):
        self.storage_class = storage_class
        parameters = dict(write_parameters or {})
        unknown = parameters.keys() - self.supported_write_parameters
        if unknown:
            valid = ", ".join(sorted(self.supported_write_parameters)) or "none"
            raise ValueError(
                f"{type(self).__name__} does not accept write parameter(s) {sorted(unknown)}; valid: {valid}"
            )
        self.write_parameters: dict[str, Any] = parameters

    @classmethod
    def dotted_name(cls) -> str:
        """Return the fully qualified class name, as stored in configuration."""
        return f"{cls.__module__}.{cls.__qualname__}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.storage_class.name!r})"

    # -- public interface -------------------------------------------------

    def write(self, obj: Any, fs: fsspec.AbstractFileSystem | None, path: str) -> None:
        """Write ``obj`` to exactly ``path`` on ``fs``.

        The caller handles temporary names, renames and parent directories.

        Parameters
        ----------
        obj : `object`
            Object of the storage class's Python type.
        fs : `fsspec.AbstractFileSystem` or `None`
            Filesystem; `None` for a local path.
        path : `str`
            Destination path.

        Raises
        ------
        TypeError
            Raised if ``obj`` is not of the storage class's type.
        """
        if not self.storage_class.is_type(obj):
            raise TypeError(
                f"{type(self).__name__} for storage class {self.storage_class.name} expects a "
                f"{self.storage_class.pytype_name}, not a {type(obj).__module__}.{type(obj).__qualname__}"
            )
        self._write(obj, fs, path)

    def read(
        self,
        fs: fsspec.AbstractFileSystem | None,
        path: str,
        *,
        component: str | None = None,
        parameters: Mapping[str, Any] | None = None,
        data_id: Any = None,
    ) -> Any:
        """Read the whole object, or one component; apply parameters.

        Parameters
        ----------
        fs : `fsspec.AbstractFileSystem` or `None`
            Filesystem; `None` for a local path.
        path : `str`
            Path of the file.
        component : `str`, optional
            Name of a read or derived component to return instead of the
            whole object.
        parameters : `~collections.abc.Mapping`, optional
            Read parameters of the (parent) storage class.  They are applied
            to the parent before a component is taken from it.
        data_id : `~butler.dimensions.DataCoordinate`, optional
            The dataset's data ID; passed on to formatters that declare
            `needs_data_id` (and required by them).

        Returns
        -------
        obj : `object`
            An instance of the storage class's type, or of the component's.

        Raises
        ------
        FormatterReadError
            Raised if the file is corrupt, truncated or non-conforming.
        UnknownParameterError
            Raised for a parameter the storage class does not accept.
        UnknownComponentError
            Raised for a component the storage class does not define.
        FileNotFoundError
            Raised if the file does not exist.
        """
        storage_class = self.storage_class
        by_id: dict[str, Any] = {}
        if self.needs_data_id:
            if data_id is None:
                raise ValueError(f"{type(self).__name__} reads one dataset of a multi-dataset file and needs its data ID")
            by_id["data_id"] = data_id
        native: Mapping[str, Any] = {}
        others: dict[str, Any] = {}
        if parameters:
            storage_class.validate_parameters(parameters)
            native = {k: v for k, v in parameters.items() if k in self.supported_read_parameters}
            others = {k: v for k, v in parameters.items() if k not in self.supported_read_parameters}
        if component is None:
            obj = self._read(fs, path, native, **by_id)
            if others:
                obj = storage_class.get_delegate().handleParameters(obj, others)
            return self._conform(obj, storage_class, path)

        component_class = storage_class.allComponents().get(component)
        if component_class is None:
            valid = ", ".join(sorted(storage_class.allComponents())) or "none"
            raise UnknownComponentError(
                f"Storage class {storage_class.name} has no component {component!r}; valid: {valid}"
            )
        if not others and self.can_read_component(component):
            obj = self._read_component(fs, path, component, native, **by_id)
        else:
            parent = self._read(fs, path, native, **by_id)
            if others:
                parent = storage_class.get_delegate().handleParameters(parent, others)
            obj = storage_class.get_delegate().getComponent(parent, component)
        return self._conform(obj, component_class, path)

    def can_read_component(self, component: str) -> bool:
        """Return `True` if ``component`` can be read directly from the file.

        Parameters
        ----------
        component : `str`
            Component name.
        """
        return component in self.readable_components

    # -- subclass hooks ---------------------------------------------------

    @abc.abstractmethod
    def _read(self, fs: fsspec.AbstractFileSystem | None, path: str, parameters: Mapping[str, Any]) -> Any:
        """Read the whole object, applying ``supported_read_parameters``.

        Implementations raise `FormatterReadError` (see `read_error`) for
        content they cannot decode and let I/O errors propagate.
        """

    @abc.abstractmethod
    def _write(self, obj: Any, fs: fsspec.AbstractFileSystem | None, path: str) -> None:
        """Write an object already checked to be of the storage class's type."""

    def _read_component(
        self, fs: fsspec.AbstractFileSystem | None, path: str, component: str, parameters: Mapping[str, Any]
    ) -> Any:
        """Read one of ``readable_components`` directly from the file."""
        raise NotImplementedError(f"{type(self).__name__} cannot read component {component!r} directly")

    # -- helpers ----------------------------------------------------------

    def read_error(self, path: str | os.PathLike[str], reason: str) -> FormatterReadError:
        """Return a `FormatterReadError` for ``path`` naming this formatter.

        Parameters
        ----------
        path : `str` or path-like
            The file that could not be read.
        reason : `str`
            What was wrong.
        """
        return FormatterReadError(os.fspath(path), reason, type(self).__name__)

    def _conform(self, obj: Any, storage_class: StorageClass, path: str) -> Any:
        if storage_class.is_type(obj):
            return obj
        try:
            return storage_class.coerce_type(obj)
        except TypeError:
            raise self.read_error(
                path,
                f"file holds a {type(obj).__module__}.{type(obj).__qualname__}, not the "
                f"{storage_class.pytype_name} expected by storage class {storage_class.name}",
            ) from None
