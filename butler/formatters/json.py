"""JSON files for dicts, lists, scalars and pydantic models.

A storage class whose type is a `pydantic.BaseModel` subclass is written
with ``model_dump_json()`` and read with ``model_validate_json()``, so the
file is exactly the model's JSON.  To store your own model, register a
storage class for it (in a plug-in's configuration or with
`~butler.storage_class.StorageClassFactory.addFromConfig`)::

    storageClasses:
      RunSummary:
        pytype: mypkg.models.RunSummary
    formatters:
      RunSummary: butler.formatters.json.JsonFormatter

The generic ``PydanticModel`` storage class (type `pydantic.BaseModel`
itself) accepts any model.  Because its files must say which model to
rebuild, they hold ``{"model": "<dotted class name>", "data": {...}}``;
reading imports that class and refuses anything that is not a
`pydantic.BaseModel` subclass.
"""

from __future__ import annotations

__all__ = ("JsonFormatter",)

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pydantic

from ..storage_class import import_dotted
from .base import Formatter, read_bytes, write_bytes

if TYPE_CHECKING:
    import fsspec


class JsonFormatter(Formatter):
    """Read and write JSON; pydantic models use their own JSON methods."""

    default_extension = ".json"
    supported_extensions = frozenset({".json"})

    def _model_type(self) -> type[pydantic.BaseModel] | None:
        pytype = self.storage_class.pytype
        return pytype if issubclass(pytype, pydantic.BaseModel) else None

    def _read(self, fs: fsspec.AbstractFileSystem | None, path: str, parameters: Mapping[str, Any]) -> Any:
        data = read_bytes(fs, path)
        model_type = self._model_type()
        if model_type is not None and model_type is not pydantic.BaseModel:
            try:
                return model_type.model_validate_json(data)
            except pydantic.ValidationError as exc:
                raise self.read_error(path, f"content does not match {model_type.__name__}: {exc}") from exc
        try:
            obj = json.loads(data)
        except ValueError as exc:
            raise self.read_error(path, f"invalid JSON: {exc}") from exc
        if model_type is pydantic.BaseModel:
            return self._read_any_model(obj, path)
        return obj

    def _read_any_model(self, obj: Any, path: str) -> pydantic.BaseModel:
        if not (isinstance(obj, dict) and obj.keys() == {"model", "data"} and isinstance(obj["model"], str)):
            raise self.read_error(path, 'expected {"model": "<dotted class name>", "data": {...}}')
        try:
            model_type = import_dotted(obj["model"])
        except ImportError as exc:
            raise self.read_error(path, f"model class cannot be imported: {exc}") from exc
        if not (isinstance(model_type, type) and issubclass(model_type, pydantic.BaseModel)):
            raise self.read_error(path, f"{obj['model']!r} is not a pydantic model")
        try:
            return model_type.model_validate(obj["data"])
        except pydantic.ValidationError as exc:
            raise self.read_error(path, f"content does not match {model_type.__name__}: {exc}") from exc

    def _write(self, obj: Any, fs: fsspec.AbstractFileSystem | None, path: str) -> None:
        if isinstance(obj, pydantic.BaseModel):
            text = obj.model_dump_json()
            if self._model_type() is pydantic.BaseModel:
                model_name = f"{type(obj).__module__}.{type(obj).__qualname__}"
                try:
                    importable = import_dotted(model_name) is type(obj)
                except ImportError:
                    importable = False
                if not importable:
                    raise TypeError(
                        f"Storage class {self.storage_class.name} can only store models importable by "
                        f"their dotted name; {model_name!r} is not"
                    )
                text = f'{{"model": {json.dumps(model_name)}, "data": {text}}}'
        else:
            try:
                text = json.dumps(obj, ensure_ascii=False)
            except (TypeError, ValueError) as exc:
                raise TypeError(f"Cannot write a {type(obj).__name__} as JSON: {exc}") from exc
        write_bytes(fs, path, text.encode())
