"""Adding datasets to the registry: the `Registry` methods that insert dataset rows.

`insertDatasets` adds new datasets to a RUN with IDs generated here; ``_importDatasets`` adds
datasets whose IDs were chosen elsewhere (an import, a quantum-backed butler's outputs), skipping
identical ones already present. Both expand their data IDs a batch at a time, with the dimension
records loaded in bulk first (``_expand_for_insert``, ``_required_rows``), which is what makes a
large fill fast. `Registry` inherits them from `RegistryDatasetInsertion`.
"""

from __future__ import annotations

__all__ = ["RegistryDatasetInsertion"]

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..dataset_ref import DatasetIdGenEnum, DatasetRef, generate_dataset_id, uuid7_batch
from ..dimensions import DataCoordinate, DimensionGroup
from ..dimensions.data_coordinate import normalize_value

if TYPE_CHECKING:
    from ..dataset_type import DatasetType
    from ..dimensions import DimensionUniverse
    from .collections import CollectionManager
    from .data_id_expansion import DataIdExpander
    from .database import Database
    from .dataset_types import DatasetTypeRecord
    from .datasets import DatasetStorage
    from .registry import RegistryDefaults


class RegistryDatasetInsertion:
    """The dataset-adding methods of `Registry`, which provides ``_db``, ``dimensions``,
    ``defaults``, ``collections_manager``, ``datasets``, ``data_id_expander``,
    ``_resolve_dataset_type`` and ``expandDataId``."""

    _db: Database
    dimensions: DimensionUniverse
    defaults: RegistryDefaults
    collections_manager: CollectionManager
    datasets: DatasetStorage
    data_id_expander: DataIdExpander

    if TYPE_CHECKING:
        def _resolve_dataset_type(self, datasetType: DatasetType | str) -> tuple[DatasetTypeRecord, DatasetType]: ...

        def expandDataId(self, dataId: Any = None, *, dimensions: Any = None, **kwargs: Any) -> DataCoordinate: ...

    # Adding datasets -------------------------------------------------------------

    def insertDatasets(
        self,
        datasetType: DatasetType | str,
        dataIds: Iterable[Any],
        run: str | None = None,
        expand: bool = True,
        idGenerationMode: DatasetIdGenEnum = DatasetIdGenEnum.UNIQUE,
    ) -> list[DatasetRef]:
        """Add new datasets (without files) to a RUN and return their references."""
        run = run or self.defaults.run
        if run is None:
            from ..errors import NoDefaultCollectionError

            # LSST raises NoDefaultCollectionError, a CollectionError.
            raise NoDefaultCollectionError("No run given to insertDatasets, and no default run: pass run=... "
                                  "(or make the Butler with run=).")
        record, dataset_type = self._resolve_dataset_type(datasetType)
        run_record = self.collections_manager.find(run)
        data_ids = self._expand_for_insert(list(dataIds), dataset_type.dimensions) if expand else [
            DataCoordinate.standardize(d, dimensions=dataset_type.dimensions) for d in dataIds]
        if idGenerationMode is DatasetIdGenEnum.UNIQUE:
            ids = uuid7_batch(len(data_ids))
        else:
            ids = [generate_dataset_id(dataset_type, data_id, run, idGenerationMode) for data_id in data_ids]
        refs = [DatasetRef(dataset_type, data_id, run, id=id_, conform=False) for data_id, id_ in zip(data_ids, ids)]
        return self.datasets.insert(record, run_record, refs)

    def _expand_for_insert(self, data_ids: list[Any], dimensions: DimensionGroup) -> list[DataCoordinate]:
        """`expandDataId` for every data ID of a batch, with records loaded in bulk first."""
        rows = self._required_rows(data_ids, dimensions)
        if rows is not None:
            return self.data_id_expander.expand_required(dimensions, rows)
        defaults = self.defaults.data_id(self.dimensions)
        implied_names = dimensions.implied
        standardized: list[DataCoordinate | None] = []
        for data_id in data_ids:
            if isinstance(data_id, DataCoordinate) or not any("." in k for k in data_id):
                standardized.append(DataCoordinate.standardize(data_id, dimensions=dimensions,
                                                               universe=self.dimensions, defaults=defaults))
            else:
                standardized.append(None)  # alternate keys such as detector.full_name: the general path
        self.data_id_expander.prefetch_many([d for d in standardized if d is not None])
        expanded = []
        for given, data_id in zip(data_ids, standardized):
            if data_id is None:
                expanded.append(self.expandDataId(given, dimensions=dimensions))
                continue
            implied = None
            if not isinstance(given, DataCoordinate) and implied_names:
                implied = {k: given[k] for k in implied_names if k in given} or None
            expanded.append(self.data_id_expander.expand(data_id, None, implied))
        return expanded

    def _required_rows(self, data_ids: list[Any], dimensions: DimensionGroup) -> list[tuple] | None:
        """Normalized required values of a batch that needs no defaults, alternate keys or implied
        values (the common case of a bulk insert); `None` when some data ID needs the general path."""
        required = dimensions.required
        names = set(required)
        for data_id in data_ids:
            if isinstance(data_id, DataCoordinate):
                if data_id.dimensions != dimensions or data_id.hasRecords():
                    return None
            elif not isinstance(data_id, Mapping) or data_id.keys() != names:
                return None
        columns = []
        for name in required:
            column = [data_id[name] for data_id in data_ids]
            pytype = self.dimensions[name].primary_key.pytype
            if not all(type(value) is pytype for value in column):
                column = [normalize_value(self.dimensions, name, value) for value in column]
            columns.append(column)
        return list(zip(*columns))

    def _importDatasets(self, datasets: Iterable[DatasetRef], expand: bool = True) -> list[DatasetRef]:
        """Add datasets whose IDs are already chosen; identical existing ones are skipped."""
        result: list[DatasetRef] = []
        by_key: dict[tuple[str, str], list[DatasetRef]] = {}
        for ref in datasets:
            by_key.setdefault((ref.datasetType.name, ref.run), []).append(ref)
        with self._db.transaction(savepoint=True):
            for (type_name, run), refs in by_key.items():
                record, dataset_type = self._resolve_dataset_type(refs[0].datasetType)
                if expand:
                    data_ids = self.data_id_expander.expand_many(
                        [DataCoordinate.standardize(ref.dataId, dimensions=dataset_type.dimensions) for ref in refs])
                    refs = [ref.expanded(data_id) for ref, data_id in zip(refs, data_ids)]
                result.extend(self.datasets.insert(record, self.collections_manager.find(run), refs,
                                                   ignore_existing_ids=True))
        return result
