"""Catalogs as FITS binary tables (layout in ``docs/file_formats_catalogs.md``).

HDUs, in order (optional ones only when there is something to write; the primary header's
``EXTNAMES`` lists those present, so a truncated file is recognised):

* primary: no data; ``CATCLASS`` (``SourceCatalog``, ``ExposureCatalog``...), ``CATVERS`` (format
  version), ``METADATA`` (JSON of the table metadata), ``EXTNAMES``.
* ``CATALOG``: one row per record, one column per field, with ``TTYPEn``/``TFORMn``/``TUNITn``,
  ``TDOCn`` (field doc) and ``TCCLSn`` (``Scalar``, ``Flag``, ``Angle``, ``String``, ``Array``);
  ``ALIAS`` cards ``"alias:target"`` (slots are aliases); ``AFW_TYPE`` as LSST writes it.
* ``FOOTPRINTS``, ``FOOTPRINT_SPANS``, ``FOOTPRINT_PEAKS``, ``FOOTPRINT_HEAVY`` (source catalogs).
* ``ARCHIVE`` (exposure catalogs): attached objects as archive JSON.
"""

from __future__ import annotations

__all__ = [
    "catalog_class_name",
    "subset_schema",
    "catalog_to_hdulist",
    "read_catalog_fits",
    "read_catalog_header",
    "write_catalog_fits",
    "CATALOG_CLASSES",
]

import json
import os
from collections.abc import Iterable
from typing import Any

import numpy as np
from astropy.io import fits

from ..errors import ImageFormatError
from .base import BaseCatalog, BaseTable
from .exposure_catalog import ExposureCatalog
from .fits_hdus import extension, open_fits, source_name, table_data
from .footprint_io import footprint_hdus, read_footprints
from .schema import Field, Schema
from .source import SimpleCatalog, SourceCatalog

FORMAT_VERSION = 1

CATALOG_CLASSES: dict[str, type[BaseCatalog]] = {
    "SourceCatalog": SourceCatalog,
    "ExposureCatalog": ExposureCatalog,
    "SimpleCatalog": SimpleCatalog,
    "BaseCatalog": BaseCatalog,
}
_AFW_TYPES = {
    "SourceCatalog": "SOURCE",
    "ExposureCatalog": "EXPOSURE",
    "SimpleCatalog": "SIMPLE",
    "BaseCatalog": "BASE",
}

_FITS_CODES = {"B": "B", "U": "I", "I": "J", "L": "K", "F": "E", "D": "D", "Angle": "D", "Flag": "L"}
_FROM_FITS = {"B": "B", "J": "I", "K": "L", "E": "F", "D": "D", "L": "Flag"}


def catalog_class_name(catalog: BaseCatalog) -> str:
    for klass in type(catalog).__mro__:
        if klass.__name__ in CATALOG_CLASSES:
            return klass.__name__
    raise TypeError(f"Cannot write a {type(catalog).__name__} as a catalog FITS file")


# -- writing -----------------------------------------------------------------------


def _column(field: Field, values: np.ndarray) -> fits.Column:
    kind = field.type
    if kind == "String":
        try:
            encoded = np.char.encode(values, "ascii")
        except UnicodeEncodeError:
            raise ValueError(
                f"String field {field.name!r} holds non-ASCII text, which FITS tables cannot store"
            ) from None
        return fits.Column(field.name, f"{field.size}A", unit=field.units or None, array=encoded)
    if kind.startswith("Array"):
        code = _FITS_CODES[kind[len("Array") :]]
        bzero = 32768 if kind == "ArrayU" else None
        return fits.Column(
            field.name, f"{field.size}{code}", unit=field.units or None, array=values, bzero=bzero
        )
    bzero = 32768 if kind == "U" else None
    return fits.Column(field.name, _FITS_CODES[kind], unit=field.units or None, array=values, bzero=bzero)


def _column_class(field: Field) -> str:
    if field.type in ("Angle", "String", "Flag"):
        return field.type
    return "Array" if field.type.startswith("Array") else "Scalar"


def _ascii(text: str) -> str:
    return text.encode("ascii", "replace").decode("ascii")


def _main_hdu(catalog: BaseCatalog) -> fits.BinTableHDU:
    schema = catalog.getSchema()
    fields = schema.fields()
    size = len(catalog)
    columns = [_column(f, catalog._data[f.name][:size]) for f in fields]
    hdu = fits.BinTableHDU.from_columns(columns, name="CATALOG", nrows=size)
    header = hdu.header
    for n, field in enumerate(fields, start=1):
        if field.doc:
            header[f"TDOC{n}"] = _ascii(field.doc)
        header[f"TCCLS{n}"] = _column_class(field)
    header["AFW_TYPE"] = (_AFW_TYPES[catalog_class_name(catalog)], "LSST afw table type")
    for alias, target in schema.getAliasMap().items():
        header.append(("ALIAS", f"{alias}:{target}"))
    return hdu


def _archive_hdu(catalog: BaseCatalog) -> list[fits.BinTableHDU]:
    if not isinstance(catalog, ExposureCatalog):
        return []
    from .. import archive

    size = len(catalog)
    ids = catalog._data["id"][:size] if "id" in catalog._data else np.zeros(size, np.int64)
    rows, row_ids, names, blobs = [], [], [], []
    for component, values in catalog._objects.items():
        for i in range(size):
            obj = values[i]
            if obj is None:
                continue
            rows.append(i)
            row_ids.append(ids[i])
            names.append(component)
            blobs.append(
                np.frombuffer(json.dumps(archive.dump(obj), separators=(",", ":")).encode(), np.uint8)
            )
    if not rows:
        return []
    order = np.lexsort((np.array([list(catalog._objects).index(n) for n in names]), np.asarray(rows)))
    column_width = max(len(n) for n in names)
    blob_array = np.empty(len(blobs), dtype=object)
    blob_array[:] = [blobs[i] for i in order]
    return [
        fits.BinTableHDU.from_columns(
            [
                fits.Column("row", "K", array=np.asarray(rows, np.int64)[order]),
                fits.Column("id", "K", array=np.asarray(row_ids, np.int64)[order]),
                fits.Column("component", f"{column_width}A", array=np.array(names, dtype="S")[order]),
                fits.Column("object", "PB()", array=blob_array),
            ],
            name="ARCHIVE",
        )
    ]


def catalog_to_hdulist(catalog: BaseCatalog, include_heavy: bool = True) -> fits.HDUList:
    """Return the FITS HDUs of ``catalog`` (see module docstring)."""
    extensions = [_main_hdu(catalog), *footprint_hdus(catalog, include_heavy), *_archive_hdu(catalog)]
    primary = fits.PrimaryHDU()
    primary.header["CATCLASS"] = (catalog_class_name(catalog), "skybutler catalog class")
    primary.header["CATVERS"] = (FORMAT_VERSION, "skybutler catalog FITS layout version")
    primary.header["EXTNAMES"] = ",".join(h.name for h in extensions)
    metadata = catalog.getMetadata()
    if metadata:
        primary.header["METADATA"] = json.dumps(metadata, default=str)
    return fits.HDUList([primary, *extensions])


def write_catalog_fits(catalog: BaseCatalog, destination: Any, include_heavy: bool = True) -> None:
    """Write ``catalog`` to a path or a binary stream.

    Parameters
    ----------
    catalog : `BaseCatalog`
        Any catalog class of `CATALOG_CLASSES`.
    destination : `str`, path-like or binary file object
        Where to write (a path is overwritten).
    include_heavy : `bool`, optional
        Write the pixel values of heavy footprints (otherwise they are read back as plain footprints).
    """
    hdus = catalog_to_hdulist(catalog, include_heavy)
    if isinstance(destination, (str, os.PathLike)):
        hdus.writeto(destination, overwrite=True)
    else:
        hdus.writeto(destination)


# -- reading -----------------------------------------------------------------------


def _primary_info(hdus: fits.HDUList, name: str) -> tuple[str, list[str]]:
    header = hdus[0].header
    class_name = header.get("CATCLASS")
    if class_name not in CATALOG_CLASSES:
        raise ImageFormatError(
            name,
            f"primary header CATCLASS is {class_name!r}, not one of {sorted(CATALOG_CLASSES)}; "
            "this is not a catalog written by skybutler",
        )
    version = header.get("CATVERS")
    if version != FORMAT_VERSION:
        raise ImageFormatError(
            name, f"catalog format version {version!r} is not supported (expected {FORMAT_VERSION})"
        )
    extnames = [e for e in str(header.get("EXTNAMES", "CATALOG")).split(",") if e]
    return class_name, extnames


def _field_from_header(header: Any, n: int, name: str) -> Field:
    ttype = header.get(f"TTYPE{n}")
    tform = str(header.get(f"TFORM{n}", "")).strip()
    if not ttype or not tform:
        raise ImageFormatError(name, f"column {n} of HDU 'CATALOG' has no TTYPE{n}/TFORM{n}")
    kind = header.get(f"TCCLS{n}", "Scalar")
    doc = header.get(f"TDOC{n}", "")
    units = header.get(f"TUNIT{n}", "")
    digits = "".join(ch for ch in tform if ch.isdigit())
    repeat = int(digits) if digits else 1
    code = tform.lstrip("0123456789")[:1]
    zero = header.get(f"TZERO{n}", 0)
    if code == "A":
        base = "String"
    elif code == "I":
        base = "U" if zero == 32768 else "I"
    elif code in _FROM_FITS:
        base = _FROM_FITS[code]
    else:
        raise ImageFormatError(name, f"column {ttype!r} has FITS format {tform!r}, which catalogs do not use")
    if base == "String":
        return Field(ttype, "String", doc, units, repeat)
    if kind == "Angle" and base == "D":
        return Field(ttype, "Angle", doc, units)
    if kind == "Array" or repeat > 1:
        return Field(ttype, f"Array{base}", doc, units, repeat)
    return Field(ttype, base, doc, units)


def schema_from_header(header: Any, name: str) -> Schema:
    """Return the `Schema` (fields, docs, units, aliases) described by a ``CATALOG`` HDU header."""
    schema = Schema()
    for n in range(1, int(header.get("TFIELDS", 0)) + 1):
        schema.addField(_field_from_header(header, n, name), parse_strict="silent")
    for card in header.cards:
        if card.keyword == "ALIAS":
            alias, _, target = str(card.value).partition(":")
            if not target:
                raise ImageFormatError(name, f"ALIAS card {card.value!r} is not 'alias:target'")
            schema.getAliasMap().set(alias, target)
    return schema


def read_catalog_header(source: Any, name: str | None = None) -> tuple[type[BaseCatalog], Schema, int]:
    """Return ``(catalog class, schema, row count)`` reading only the headers."""
    name = source_name(source, name)
    with open_fits(source, name) as hdus:
        class_name, _ = _primary_info(hdus, name)
        header = extension(hdus, "CATALOG", name).header
        return CATALOG_CLASSES[class_name], schema_from_header(header, name), int(header.get("NAXIS2", 0))


def read_catalog_fits(
    source: Any, *, name: str | None = None, columns: Iterable[str] | None = None
) -> BaseCatalog:
    """Read a catalog written by `write_catalog_fits`.

    Parameters
    ----------
    source : `str`, path-like, `bytes` or binary file object
        The file.
    name : `str`, optional
        Name used in error messages (defaults to the path).
    columns : iterable of `str`, optional
        Read only these fields (names or aliases); footprints and attached objects are then skipped.

    Raises
    ------
    ImageFormatError
        Raised if the file is not a catalog file, lacks an HDU, or is truncated.
    FileNotFoundError
        Raised if the path does not exist.
    """
    name = source_name(source, name)
    with open_fits(source, name) as hdus:
        class_name, extnames = _primary_info(hdus, name)
        cls = CATALOG_CLASSES[class_name]
        hdu = extension(hdus, "CATALOG", name)
        schema = schema_from_header(hdu.header, name)
        if columns is not None:
            schema = subset_schema(schema, columns, name)
        data = table_data(hdu, "CATALOG", name)
        size = len(data)
        metadata = _metadata(hdus[0].header, name)
        table: BaseTable = cls.Table(schema, metadata=metadata)
        catalog = cls(table)
        catalog.reserve(size)
        catalog._size = size
        for field in schema.fields():
            values = np.asarray(data[field.name])
            if field.type == "String" and values.dtype.kind == "S":
                values = np.char.decode(values, "ascii")
            catalog._data[field.name][:size] = values.reshape((size, *field.shape))
        if columns is None:
            if "FOOTPRINTS" in extnames and "footprint" in catalog._objects:
                read_footprints(hdus, catalog, extnames, name)
            if "ARCHIVE" in extnames:
                _read_archive(hdus, catalog, name)
    if "id" in catalog._data and size:
        ids = catalog._data["id"][:size]
        try:
            catalog.getTable().getIdFactory().notify(int(ids.max()))
        except ValueError:
            pass
    return catalog


def subset_schema(schema: Schema, columns: Iterable[str] | str, name: str) -> Schema:
    """Return the fields of ``schema`` named (or aliased) in ``columns``, in schema order, with the aliases.

    Raises
    ------
    ValueError
        Raised if a column is not in the schema; the message names ``name`` (the file).
    """
    try:
        return schema.subset(columns)
    except KeyError as exc:
        raise ValueError(f"Cannot read columns {columns!r} from {name}: {exc}") from None


def _metadata(header: Any, name: str) -> dict[str, Any]:
    text = header.get("METADATA")
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise ImageFormatError(name, f"METADATA card is not JSON ({exc})") from None
    return value if isinstance(value, dict) else {}


def _read_archive(hdus: fits.HDUList, catalog: BaseCatalog, name: str) -> None:
    from .. import archive

    data = table_data(extension(hdus, "ARCHIVE", name), "ARCHIVE", name)
    rows = np.asarray(data["row"], np.int64)
    components = [c.decode().strip() if isinstance(c, bytes) else str(c).strip() for c in data["component"]]
    for row, component, blob in zip(rows.tolist(), components, data["object"]):
        if component not in catalog._objects:
            raise ImageFormatError(name, f"ARCHIVE row names unknown component {component!r}")
        if not 0 <= row < len(catalog):
            raise ImageFormatError(name, f"ARCHIVE refers to row {row}, beyond the {len(catalog)} records")
        try:
            obj = archive.load(json.loads(bytes(np.asarray(blob, np.uint8)).decode()))
        except Exception as exc:
            raise ImageFormatError(
                name, f"ARCHIVE entry {component!r} of row {row} cannot be decoded ({exc})"
            ) from None
        catalog._objects[component][row] = obj
