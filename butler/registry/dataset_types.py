"""Dataset type registration and lookup."""

from __future__ import annotations

__all__ = ["DatasetTypeRecord", "DatasetTypeManager"]

import dataclasses
import fnmatch
import re
from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa

from ..dataset_type import DatasetType
from ..dimensions import DimensionGroup, DimensionUniverse
from ..errors import ConflictingDefinitionError, MissingDatasetTypeError, OrphanedRecordError
from .database import Database
from .schema import StaticTables, make_calibs_table, make_tags_table


@dataclasses.dataclass(frozen=True, slots=True)
class DatasetTypeRecord:
    """A registered dataset type with its integer key and its tables."""

    key: int
    dataset_type: DatasetType
    tags: sa.Table
    calibs: sa.Table | None


class DatasetTypeManager:
    """Registers dataset types and owns their tags/calibs tables."""

    def __init__(self, db: Database, tables: StaticTables, universe: DimensionUniverse):
        self._db = db
        self._tables = tables
        self._universe = universe
        self._by_name: dict[str, DatasetTypeRecord] = {}
        self._by_key: dict[int, DatasetTypeRecord] = {}
        self._loaded = False
        self._removal_listeners: list[Callable[[], None]] = []

    def on_remove(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` after a dataset type is removed (its key may then be reused)."""
        self._removal_listeners.append(listener)

    def refresh(self) -> None:
        """Reload every dataset type from the database."""
        t = self._tables
        rows = self._db.fetch_all(
            sa.select(t.dataset_type, t.dimension_group.c.required).join(
                t.dimension_group, t.dimension_group.c.dimension_group_id == t.dataset_type.c.dimension_group_id
            )
        )
        self._by_name = {}
        self._by_key = {}
        for row in rows:
            record = self._make_record(row._mapping)
            self._by_name[record.dataset_type.name] = record
            self._by_key[record.key] = record
        self._loaded = True

    def _make_record(self, row: Any) -> DatasetTypeRecord:
        required = [n for n in row["required"].split(",") if n]
        group = self._universe.conform(required)
        dataset_type = DatasetType(row["name"], group, row["storage_class"], isCalibration=row["is_calibration"])
        tags = make_tags_table(self._tables.metadata, row["tag_table"], group)
        calibs = make_calibs_table(self._tables.metadata, row["calib_table"], group) if row["calib_table"] else None
        return DatasetTypeRecord(row["dataset_type_id"], dataset_type, tags, calibs)

    def _ensure_loaded(self) -> None:
        if not self._loaded:
            self.refresh()

    def invalidate(self) -> None:
        """Forget the cache without querying; it reloads on next use."""
        self._by_name = {}
        self._by_key = {}
        self._loaded = False

    def find(self, name: str) -> DatasetTypeRecord:
        """The record of a (parent) dataset type.

        Raises
        ------
        MissingDatasetTypeError
            If it is not registered.
        """
        self._ensure_loaded()
        record = self._by_name.get(name)
        if record is None:
            self.refresh()
            record = self._by_name.get(name)
        if record is None:
            import difflib

            close = difflib.get_close_matches(name, list(self._by_name), n=3)
            hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            raise MissingDatasetTypeError(f"Dataset type {name!r} is not registered in this repository.{hint}")
        return record

    def get_by_key(self, key: int) -> DatasetTypeRecord:
        """The record of a dataset type by its integer key."""
        self._ensure_loaded()
        if key not in self._by_key:
            self.refresh()
        return self._by_key[key]

    def all(self) -> list[DatasetTypeRecord]:
        """Every registered dataset type, by name."""
        self.refresh()
        return [self._by_name[n] for n in sorted(self._by_name)]

    def query(self, expression: Any = ...) -> list[DatasetType]:
        """Registered dataset types matching names, globs or regexes (``...`` for all)."""
        records = self.all()
        if expression is ... or expression is None or expression == "*":
            return [r.dataset_type for r in records]
        if isinstance(expression, (str, re.Pattern, DatasetType)):
            expression = [expression]
        result: dict[str, DatasetType] = {}
        for item in expression:
            if isinstance(item, DatasetType):
                item = item.name
            if isinstance(item, re.Pattern):
                matched = [r for r in records if item.fullmatch(r.dataset_type.name)]
            elif any(c in item for c in "*?["):
                matched = [r for r in records if fnmatch.fnmatchcase(r.dataset_type.name, item)]
            else:
                matched = [self.find(item)]
            for r in matched:
                result[r.dataset_type.name] = r.dataset_type
        return list(result.values())

    def register(self, dataset_type: DatasetType) -> bool:
        """Register a dataset type; `False` if an identical one exists.

        Raises
        ------
        ConflictingDefinitionError
            If one of the same name exists with another definition.
        ValueError
            If it is a component dataset type.
        """
        if dataset_type.isComponent():
            raise ValueError(
                f"Cannot register component dataset type {dataset_type.name!r}; register its parent "
                f"{dataset_type.nameAndComponent()[0]!r} instead."
            )
        if dataset_type.dimensions.universe is not self._universe:
            dataset_type = DatasetType(dataset_type.name, list(dataset_type.dimensions.required),
                                       dataset_type.storageClass_name, universe=self._universe,
                                       isCalibration=dataset_type.isCalibration())
        self._ensure_loaded()
        existing = self._by_name.get(dataset_type.name)
        if existing is None:
            self.refresh()
            existing = self._by_name.get(dataset_type.name)
        if existing is not None:
            if existing.dataset_type == dataset_type:
                return False
            raise ConflictingDefinitionError(
                f"Dataset type {dataset_type.name!r} is already registered as {existing.dataset_type}, "
                f"which differs from the given {dataset_type}."
            )
        t = self._tables
        try:
            with self._db.transaction(savepoint=True):
                group_key = self._dimension_group_key(dataset_type.dimensions)
                tag_name = f"dataset_tags_{group_key:05d}"
                calib_name = f"dataset_calibs_{group_key:05d}" if dataset_type.isCalibration() else None
                tags = make_tags_table(t.metadata, tag_name, dataset_type.dimensions)
                self._db.ensure_table(tags)
                if calib_name:
                    self._db.ensure_table(make_calibs_table(t.metadata, calib_name, dataset_type.dimensions))
                self._db.execute(
                    t.dataset_type.insert().values(
                        name=dataset_type.name,
                        storage_class=dataset_type.storageClass_name,
                        dimension_group_id=group_key,
                        is_calibration=dataset_type.isCalibration(),
                        tag_table=tag_name,
                        calib_table=calib_name,
                    )
                )
        except sa.exc.IntegrityError:
            # Another process registered it meanwhile; compare once rolled back.
            self.refresh()
            return self.register(dataset_type)
        self.refresh()
        return True

    def _dimension_group_key(self, group: DimensionGroup) -> int:
        t = self._tables
        required = ",".join(group.required)
        row = self._db.execute(
            sa.select(t.dimension_group.c.dimension_group_id).where(t.dimension_group.c.required == required)
        ).first()
        if row is not None:
            return row[0]
        return self._db.execute(t.dimension_group.insert().values(required=required)).inserted_primary_key[0]

    def remove(self, name: str) -> None:
        """Remove a dataset type that has no datasets.

        Raises
        ------
        OrphanedRecordError
            If datasets of this type still exist.
        """
        record = self.find(name)
        t = self._tables
        with self._db.transaction(savepoint=True):
            self._db.lock_row(t.dataset_type.c.dataset_type_id, record.key, for_delete=True)
            count = self._db.execute(
                sa.select(sa.func.count()).select_from(t.dataset).where(t.dataset.c.dataset_type_id == record.key)
            ).scalar()
            if count:
                raise OrphanedRecordError(
                    f"Dataset type {name!r} still has {count} dataset(s); remove them (e.g. butler.removeRuns "
                    "or pruneDatasets) before removing the type."
                )
            self._db.execute(t.dataset_type.delete().where(t.dataset_type.c.dataset_type_id == record.key))
        self.refresh()
        for listener in self._removal_listeners:
            listener()

    def known_names(self) -> Iterable[str]:
        """Names of every registered dataset type (from the cache)."""
        self._ensure_loaded()
        return self._by_name.keys()
