"""The methods of `Butler` that move datasets in and out: artifacts, transfers, export and import."""

from __future__ import annotations

__all__ = ["ButlerTransfers"]

import contextlib
import os
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from .dataset_ref import DatasetRef
from .deferred import ButlerURI

if TYPE_CHECKING:
    from .butler import Butler


class ButlerTransfers:
    """Artifact retrieval, butler-to-butler transfers, export and import, for `Butler` (which provides
    ``datastore`` and ``_require_writeable``)."""

    datastore: Any

    if TYPE_CHECKING:
        def _require_writeable(self) -> None: ...

    def retrieveArtifacts(self, refs: Iterable[DatasetRef], destination: str, transfer: str = "auto",
                          preserve_path: bool = True, overwrite: bool = False) -> list[ButlerURI]:
        """Copy the files of datasets to a directory (local or URL)."""
        paths = self.datastore.retrieveArtifacts(list(refs), os.fspath(destination), transfer=transfer,
                                                 preserve_path=preserve_path, overwrite=overwrite)
        return [ButlerURI(p) for p in paths]

    def retrieve_artifacts_zip(self, refs: Iterable[DatasetRef], destination: Any,
                               overwrite: bool = True) -> ButlerURI:
        """Write the files of datasets into one zip archive in a directory, as LSST's method does.

        The zip holds the files under their datastore paths and an index,
        ``_butler_zip_index.json``, listing each dataset (ID, dataset type,
        RUN, data ID, files) so the archive describes itself.  Its name is a
        UUID5 of the member paths: the same datasets give the same name.

        Parameters
        ----------
        refs : iterable of `DatasetRef`
            The datasets (each must be stored).
        destination : `str`
            Directory (local or URL) to write the zip into; created if needed.
        overwrite : `bool`, optional
            Replace a zip of the same name; otherwise that is an error.

        Returns
        -------
        zip_file : `ButlerURI`
            Location of the zip.

        Raises
        ------
        ValueError
            If there are no refs.
        FileNotFoundInDatastoreError
            If a dataset has no file here.
        FileExistsError
            If the zip exists and ``overwrite`` is false.
        """
        from .transfers import retrieve_artifacts_zip

        return ButlerURI(retrieve_artifacts_zip(self, list(refs), os.fspath(destination), overwrite=overwrite))

    def transfer_from(self, source_butler: Butler, source_refs: Iterable[DatasetRef], transfer: str = "auto",
                      skip_missing: bool = True, register_dataset_types: bool = False,
                      transfer_dimensions: bool = False, dry_run: bool = False) -> list[DatasetRef]:
        """Copy datasets (same IDs and runs) and their files from another butler."""
        from .transfers import transfer_between_butlers

        self._require_writeable()
        return transfer_between_butlers(self, source_butler, list(source_refs), transfer=transfer,
                                        skip_missing=skip_missing, register_dataset_types=register_dataset_types,
                                        transfer_dimensions=transfer_dimensions, dry_run=dry_run)

    def transfer_dimension_records_from(self, source_butler: Butler, source_refs: Iterable[Any]) -> None:
        """Copy the dimension records of datasets (or data IDs) from another butler; existing ones are kept."""
        from .transfers import transfer_dimension_records

        self._require_writeable()
        data_ids = [r.dataId if isinstance(r, DatasetRef) else r for r in source_refs]
        transfer_dimension_records(self, source_butler, data_ids)

    @contextlib.contextmanager
    def export(self, *, directory: str | None = None, filename: str | None = None, format: str | None = "yaml",
               transfer: str | None = None) -> Iterator[Any]:
        """Export datasets, collections and records to LSST's YAML export format (see docs/exchange.md).

        Yields a `~butler.exchange.RepoExportContext` (``saveDatasets``,
        ``saveDataIds``, ``saveCollection``, ``saveDimensionData``); the file
        (``directory/filename``, default ``export.yaml``) is written when the
        block ends without error.  With ``transfer`` the files are copied (or
        linked) into ``directory``.
        """
        from .exchange import export_context

        with export_context(self, directory=directory, filename=filename, format=format,
                            transfer=transfer) as context:
            yield context

    def import_(self, *, directory: Any = None, filename: Any = None, format: str | None = "yaml",
                transfer: str | None = None, skip_dimensions: set | None = None, record_validation_info: bool = True,
                without_datastore: bool = False) -> Any:
        """Import an export file (LSST's or ours, universe versions 0-8), all or nothing (see docs/exchange.md).

        Returns a `~butler.exchange.ImportSummary` (LSST returns `None`).
        """
        from .exchange import import_file

        return import_file(self, directory=directory, filename=filename, format=format, transfer=transfer,
                           skip_dimensions=skip_dimensions, record_validation_info=record_validation_info,
                           without_datastore=without_datastore)
