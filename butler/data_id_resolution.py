"""Turning the data IDs users write into dimension values of a dataset type.

As in LSST, a data ID given to the `~butler.Butler` may name a dimension value
through fields of its record instead of the value itself:
``{"detector.full_name": "D2"}``, ``exposure.obs_id``, or bare field names
such as ``day_obs=..., seq_num=...`` for an exposure.  `DataIdResolver`
separates such fields from plain dimension values and looks up the records
they identify.
"""

from __future__ import annotations

__all__ = ["DataIdResolver", "describe_data_id"]

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from .dimensions import DataCoordinate, Dimension
from .errors import DataIdValueError, DimensionNameError, DimensionValueError

if TYPE_CHECKING:
    from .dataset_type import DatasetType
    from .registry import Registry


class DataIdResolver:
    """Resolves record fields in user data IDs to dimension values.

    Parameters
    ----------
    registry : `~butler.registry.Registry`
        The registry whose dimension universe and records are used.
    """

    def __init__(self, registry: Registry):
        self._registry = registry
        # Keys of data IDs that need no translation.
        self._dimension_names = frozenset(d.name for d in registry.dimensions.getStaticDimensions())

    def split_data_id(self, dataset_type: DatasetType, data_id: Any, kwargs: Mapping[str, Any]
                      ) -> tuple[Any, Mapping[str, Any], dict[str, dict[str, Any]]]:
        """Separate dimension values from record fields that identify a dimension value.

        A bare field name is looked for among the fields of the dataset
        type's dimensions, and of every temporal dimension for a calibration.

        Parameters
        ----------
        dataset_type : `~butler.DatasetType`
            The dataset type the data ID is for.
        data_id : `~butler.DataCoordinate`, mapping or `None`
            The data ID as given.
        kwargs : `~collections.abc.Mapping` [`str`, `typing.Any`]
            Further data ID keys given as keyword arguments.

        Returns
        -------
        data_id, kwargs
            The dimension values (unchanged objects when there was nothing to separate).
        constraints : `dict` [`str`, `dict` [`str`, `typing.Any`]]
            Record fields to match, by dimension name.

        Raises
        ------
        DimensionValueError
            If a key is neither a dimension nor a field of a relevant dimension record.
        DimensionNameError
            If an ``element.field`` key names no dimension or no field.
        """
        names = self._dimension_names
        mapping = None if data_id is None or isinstance(data_id, DataCoordinate) else data_id
        if all(k in names for k in kwargs) and (mapping is None or all(k in names for k in mapping)):
            return data_id, kwargs, {}
        values = _merged(data_id, kwargs)
        universe = self._registry.dimensions
        dimension_values: dict[str, Any] = {}
        constraints: dict[str, dict[str, Any]] = {}
        bare: dict[str, Any] = {}
        for key, value in values.items():
            if key in names:
                dimension_values[key] = value
            elif isinstance(key, str) and "." in key:
                element_name, _, field = key.partition(".")
                element = universe[element_name]
                if not isinstance(element, Dimension):
                    raise DimensionNameError(f"{key!r}: {element_name!r} is not a dimension.")
                if field == element.primary_key.name:
                    dimension_values[element.name] = value
                elif field in _lookup_fields(element, searchable_only=False):
                    constraints.setdefault(element.name, {})[field] = value
                else:
                    raise DimensionNameError(
                        f"{key!r}: {element_name} records have no field {field!r}; "
                        f"fields are {list(element.RecordClass.field_names)}.")
            else:
                bare[key] = value
        if bare:
            candidates = list(dataset_type.dimensions.names)
            if dataset_type.isCalibration():
                candidates += [d.name for d in universe.getStaticDimensions()
                               if d.temporal and d.name not in candidates]
            unknown = []
            for key, value in bare.items():
                owners = [n for n in candidates if key in _lookup_fields(universe[n])]
                if len(owners) > 1:
                    own = [n for n in owners if n in dataset_type.dimensions]
                    owners = own or owners
                if not owners:
                    unknown.append(key)
                elif len(owners) > 1:
                    raise DimensionValueError(
                        f"Data ID key {key!r} is a field of several dimensions ({', '.join(owners)}); "
                        f"say which, e.g. {owners[0] + '.' + key!r}.")
                else:
                    constraints.setdefault(owners[0], {})[key] = value
            if unknown:
                raise DimensionValueError(
                    f"Unrecognized keyword args given: {set(unknown)}: not dimensions, nor fields of the "
                    f"dimensions of {dataset_type.name} ({', '.join(dataset_type.dimensions.names)}).")
        return dimension_values, {}, constraints

    def resolve_record_constraints(self, values: Mapping[str, Any],
                                   constraints: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
        """Add the dimension values whose records match ``constraints``.

        Parameters
        ----------
        values : `~collections.abc.Mapping` [`str`, `typing.Any`]
            Dimension values, as returned by `split_data_id`.
        constraints : `~collections.abc.Mapping` [`str`, `~collections.abc.Mapping`]
            Record fields to match, by dimension name, as returned by
            `split_data_id`.

        Returns
        -------
        values : `dict` [`str`, `typing.Any`]
            ``values`` with the required dimension values of each matched
            record added.

        Raises
        ------
        DataIdValueError
            If no record, or more than one, matches.
        """
        values = dict(values)
        universe = self._registry.dimensions
        storage = self._registry.dimension_records
        for name in sorted(constraints, key=lambda n: universe[n].index):
            element = universe[name]
            fields = constraints[name]
            table = storage.table(element)
            conditions = [table.columns[f] == v for f, v in fields.items()]
            for dim_name, column in element.RecordClass._dimension_fields:
                if values.get(dim_name) is not None:
                    conditions.append(table.columns[column] == values[dim_name])
            rows = self._registry.db.fetch_all(sa.select(table).where(*conditions).limit(2))
            known = {
                d: values[d] for d, _ in element.RecordClass._dimension_fields if values.get(d) is not None
            }
            described = ", ".join(f"{f}={v!r}" for f, v in {**fields, **known}.items())
            if not rows:
                raise DataIdValueError(f"No {name} record has {described}.")
            if len(rows) > 1:
                raise DataIdValueError(
                    f"More than one {name} record has {described}; give more of the data ID.")
            row = rows[0]._mapping
            for dim_name, column in element.RecordClass._dimension_fields[: len(element.required)]:
                values[dim_name] = row[column]
        return values

    def resolve(self, dataset_type: DatasetType, data_id: Any, kwargs: Mapping[str, Any]
                ) -> tuple[Any, Mapping[str, Any]]:
        """Return a data ID and keyword arguments holding dimension values only.

        `split_data_id` followed by `resolve_record_constraints`: takes the
        arguments of the first, returns its ``data_id, kwargs`` with the
        dimension values named by record fields looked up, and raises what
        either raises.
        """
        data_id, kwargs, constraints = self.split_data_id(dataset_type, data_id, kwargs)
        if constraints:
            data_id = self.resolve_record_constraints(data_id, constraints)
        return data_id, kwargs


def describe_data_id(data_id: Any, kwargs: Mapping[str, Any]) -> str:
    """Return a data ID given as a mapping and keyword arguments, for messages.

    Parameters
    ----------
    data_id, kwargs
        The data ID and keyword arguments, as given to
        `DataIdResolver.split_data_id`.

    Returns
    -------
    text : `str`
        ``{key: value, ...}`` with the keyword arguments last.
    """
    values = _merged(data_id, kwargs)
    return "{" + ", ".join(f"{k}: {v!r}" for k, v in values.items()) + "}"


def _merged(data_id: Any, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """Return the keys of a data ID and the keyword arguments in one `dict` (the latter win)."""
    values = dict(data_id.mapping if isinstance(data_id, DataCoordinate) else (data_id or {}))
    values.update(kwargs)
    return values


def _lookup_fields(element: Dimension, *, searchable_only: bool = True) -> frozenset[str]:
    """Fields of a dimension's records that may identify it in a data ID.

    Bare keys (``seq_num``) may match metadata and alternate keys;
    ``element.field`` keys may also name the dimensions a record holds
    (``exposure.day_obs``).  Timespans and regions never identify a record.
    """
    specs = list(element.metadata) + list(element.alternate_keys)
    names = {f.name for f in specs if f.type not in ("timespan", "region")}
    if not searchable_only:
        names.update(d for d, _ in element.RecordClass._dimension_fields)
    return frozenset(names)
