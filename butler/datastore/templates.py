"""File templates: turn a dataset reference into a path inside the datastore.

The syntax is LSST's: Python format fields named after dimensions
(``{visit}``, ``{visit:06d}``), dimension record fields (``{exposure.obs_id}``),
alternates (``{visit.name|exposure.obs_id}``) and the special fields
``run``, ``id``, ``datasetType`` and ``component``.  Two extra characters in a
format spec are understood:

``?``
    The field is optional.  If it has no value the field is dropped together
    with the literal text immediately before it, unless that text contains a
    ``/`` (then the text is kept whole, so directory separators survive).
``/``
    Keep ``/`` in the value as directory separators (``{run:/}``); otherwise
    ``/`` is replaced by ``_``.

After expansion, ``.`` in the file name part becomes ``_`` (so the extension
added later is unambiguous) and ``#`` becomes ``HASH``.  Values are made
path-safe: characters that are troublesome in file names or URLs become
``_``, a value can never climb out of the datastore with ``..`` and never
makes the path absolute.

One deliberate difference from LSST: a record field such as
``{exposure.obs_id}`` used with a data ID that has no records attached is
replaced by the dimension's own value (the exposure ID) instead of raising,
which keeps paths unique without forcing every put to expand its data ID.
"""

from __future__ import annotations

__all__ = ["FileTemplate", "FileTemplateValidationError", "FileTemplates"]

import logging
import posixpath
import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .template_fields import FileTemplateValidationError, _Field, _parse, _safe_value, _skypix_alias

if TYPE_CHECKING:
    from ..dataset_ref import DatasetRef
    from ..dataset_type import DatasetType
    from ..dimensions import DimensionGroup, DimensionUniverse
    from ..storage_class import StorageClass

_LOG = logging.getLogger(__name__)


_SPECIAL_FIELDS = frozenset({"run", "id", "datasetType", "component"})
_MISSING = object()
_MANDATORY_FIELDS = frozenset({"run", "id"})


class FileTemplate:
    """A path template, parsed once and expanded for many datasets.

    Parameters
    ----------
    template : `str`
        The template, e.g. ``"{run:/}/{datasetType}/{visit:08d}/{datasetType}_{visit}_{run}"``.

    Raises
    ------
    FileTemplateValidationError
        Raised if the template is malformed, has neither ``run`` nor ``id``,
        has no dimension field and no ``id``, climbs with ``../``, or uses
        ``id`` outside the file name.
    """

    mandatoryFields = _MANDATORY_FIELDS
    """One of these must appear in every template."""

    specialFields = _SPECIAL_FIELDS
    """Fields that are not dimensions."""

    def __init__(self, template: str):
        if not isinstance(template, str) or not template:
            raise FileTemplateValidationError(f"A file template must be a non-empty string, not {template!r}.")
        self.template = template
        self._parts = _parse(template)
        self.validateTemplate(None)

    # Introspection ---------------------------------------------------------

    def __str__(self) -> str:
        return self.template

    def __repr__(self) -> str:
        return f"FileTemplate({self.template!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FileTemplate) and self.template == other.template

    def __hash__(self) -> int:
        return hash(self.template)

    def fields(self, optionals: bool = False, specials: bool = False, subfields: bool = False) -> set[str]:
        """Return the names of the fields used.

        Parameters
        ----------
        optionals : `bool`, optional
            Include optional (``?``) fields.
        specials : `bool`, optional
            Include ``run``, ``id``, ``datasetType`` and ``component``.
        subfields : `bool`, optional
            Return ``visit.name`` rather than ``visit`` for record fields.

        Returns
        -------
        names : `set` [`str`]
            Every alternate of every matching field.
        """
        names = set()
        for part in self._parts:
            if not part.alternates or (part.optional and not optionals):
                continue
            for field in part.alternates:
                if field.name in _SPECIAL_FIELDS:
                    if specials:
                        names.add(field.name)
                else:
                    names.add(field.name if subfields else field.primary)
        return names

    def _chosen_fields(self, dimensions: DimensionGroup | None) -> tuple[set[str], set[str], set[str]]:
        """Dimension names used by mandatory fields, by optional ones, and special names used.

        Alternates are narrowed, as LSST does, to the first one naming a
        dimension of ``dimensions`` (or a special field) when there is one.
        """
        mandatory: set[str] = set()
        optional: set[str] = set()
        special: set[str] = set()
        for part in self._parts:
            if not part.alternates:
                continue
            chosen = list(part.alternates)
            if dimensions is not None:
                for field in part.alternates:
                    if field.primary in dimensions or field.primary in _SPECIAL_FIELDS or (
                        field.primary == "skypix" and _skypix_alias(dimensions) is not None
                    ):
                        chosen = [field]
                        break
            for field in chosen:
                if field.name in _SPECIAL_FIELDS:
                    special.add(field.name)
                else:
                    (optional if part.optional else mandatory).add(field.primary)
        return mandatory, optional, special

    # Expansion -------------------------------------------------------------

    def format(self, ref: DatasetRef) -> str:
        """Expand the template for one dataset.

        Parameters
        ----------
        ref : `DatasetRef`
            The dataset.

        Returns
        -------
        path : `str`
            A normalized relative path using ``/`` separators, without the
            file extension.

        Raises
        ------
        KeyError
            Raised if a mandatory field has no value, or if ``ref`` is a
            component and the template does not use ``component``.
        """
        data_id = ref.dataId
        fields: dict[str, Any] = data_id.mapping  # a fresh dict each call
        records = None
        try:
            if data_id.hasRecords():
                records = data_id.records
        except AttributeError:  # a plain mapping, in tests
            pass
        alias = _skypix_alias(ref.datasetType.dimensions)
        if alias is not None and alias in fields:
            fields["skypix"] = fields[alias]
        dataset_type, component = ref.datasetType.nameAndComponent()
        fields["datasetType"] = dataset_type
        if component is not None:
            fields["component"] = component
        fields["run"] = ref.run
        fields["id"] = ref.id
        used_component = False
        output: list[str] = []
        for part in self._parts:
            literal = part.literal
            if not part.alternates:
                output.append(literal)
                continue
            name = part.simple
            if name is not None:
                value = fields.get(name, _MISSING)
                found = value is not _MISSING
            else:
                field = part.alternates[0]
                for alternate in part.alternates:
                    if alternate.primary in fields:
                        field = alternate
                        break
                name = field.name
                found, value = self._value(field, fields, records, alias)
            if name == "component":
                used_component = True
            if not found:
                if not part.optional:
                    raise KeyError(
                        f"'{name}' requested in template via '{self.template}' but not defined and not "
                        f"optional (dataset {ref})"
                    )
                output.append(literal if "/" in literal else "")
                continue
            if part.conversion == "r":
                value = repr(value)
            elif part.conversion == "a":
                value = ascii(value)
            output.append(literal)
            if part.spec:
                output.append(_safe_value(format(value, part.spec), part.keep_slash))
            elif type(value) is int:
                output.append(str(value))  # nothing to make safe
            else:
                output.append(_safe_value(str(value), part.keep_slash))
        if component is not None and not used_component:
            raise KeyError(f"Component '{component}' specified but template {self.template} did not use it")
        head, _, tail = "".join(output).rpartition("/")
        tail = tail.replace(".", "_").replace("#", "HASH")
        path = posixpath.normpath(f"{head}/{tail}" if head else tail)
        path = path.lstrip("/")
        if not path or path == "." or path == ".." or path.startswith("../") or "/../" in path:
            raise ValueError(f"Template {self.template!r} expanded to an unusable path {path!r} for {ref}.")
        return path

    @staticmethod
    def _value(field: _Field, fields: dict[str, Any], records: Any, alias: str | None) -> tuple[bool, Any]:
        if field.attribute is None:
            if field.name in fields:
                return True, fields[field.name]
            return False, None
        if field.primary not in fields:
            return False, None
        if records is None:
            # Deliberately lenient (LSST raises): the dimension's own value
            # is unique wherever the record field would be.
            return True, fields[field.primary]
        element = alias if field.primary == "skypix" and alias is not None else field.primary
        record = records.get(element) if isinstance(records, Mapping) else None
        if record is None or not hasattr(record, field.attribute):
            _LOG.info("Template field %s cannot be resolved: %s has no record field %r; ignoring it.",
                      field.name, element, field.attribute)
            return False, None
        value = getattr(record, field.attribute)
        return (value is not None), value

    # Validation ------------------------------------------------------------

    def validateTemplate(self, entity: DatasetType | DatasetRef | StorageClass | None,
                         *, require_dataset_type: bool = False) -> None:
        """Check that the template can give unique, well-formed paths for ``entity``.

        Parameters
        ----------
        entity : `DatasetType`, `DatasetRef`, `StorageClass` or `None`
            What the template will be used for; `None` checks only the
            template itself.
        require_dataset_type : `bool`, optional
            Also require ``datasetType`` (or ``id``) in the template, needed
            when the template is shared by several dataset types.

        Raises
        ------
        FileTemplateValidationError
            Raised with a message saying what is wrong.
        """
        dimensions = getattr(entity, "dimensions", None)
        mandatory, optional, special = self._chosen_fields(dimensions)
        if "collection" in mandatory | optional:
            raise FileTemplateValidationError(
                f"Template '{self}': 'collection' is not a template field; use 'run' instead.")
        if not special & _MANDATORY_FIELDS:
            raise FileTemplateValidationError(
                f"Template '{self}' is missing a mandatory field from {sorted(_MANDATORY_FIELDS)}.")
        if not (mandatory | optional) and "id" not in special:
            raise FileTemplateValidationError(
                f"Template '{self}' has no field corresponding to a dimension (and no 'id').")
        if "../" in self.template or self.template.startswith("/") or self.template.endswith("/.."):
            raise FileTemplateValidationError(
                f"Template '{self}' must be a relative path that stays inside the datastore.")
        uses_id = "id" in special
        if uses_id and "{id}" not in self.template.rpartition("/")[2]:
            raise FileTemplateValidationError(
                f"Template '{self}' includes the 'id' but that ID is not part of the file name.")
        if entity is None or dimensions is None:
            return
        is_component = getattr(entity, "isComponent", None)
        if callable(is_component):
            mandatory_special = {p.alternates[0].name for p in self._parts
                                 if p.alternates and not p.optional and p.alternates[0].name in _SPECIAL_FIELDS}
            if is_component() and "component" not in special:
                raise FileTemplateValidationError(
                    f"Template '{self}' has no component but {entity} refers to a component.")
            if not is_component() and "component" in mandatory_special:
                raise FileTemplateValidationError(
                    f"Template '{self}' has a mandatory component but {entity} does not refer to a component.")
        if require_dataset_type and "datasetType" not in special and not uses_id:
            raise FileTemplateValidationError(
                f"Template '{self}' is used for several dataset types but has neither 'datasetType' nor "
                f"'id', so datasets of {entity} could share paths with other dataset types.")
        minimal = set(dimensions.required)
        maximal = set(dimensions.names)
        alias = _skypix_alias(dimensions)
        if alias is not None:
            minimal = (minimal - {alias}) | {"skypix"}
            maximal = (maximal - {alias}) | {"skypix"}
            mandatory = {"skypix" if f == alias else f for f in mandatory}
            optional = {"skypix" if f == alias else f for f in optional}
        if not mandatory <= maximal:
            raise FileTemplateValidationError(
                f"Template '{self}' is inconsistent with {entity}: it requires {sorted(mandatory - maximal)}, "
                f"which are not among its dimensions {sorted(maximal)}.")
        if not uses_id and not (mandatory | optional) >= minimal:
            raise FileTemplateValidationError(
                f"Template '{self}' cannot give unique paths for {entity}: dimension(s) "
                f"{sorted(minimal - mandatory - optional)} are not in the template (and 'id' is not either).")


_DEFAULT_KEY = "default"
_INSTRUMENT_KEY = re.compile(r"^instrument<([^>]+)>$")


class FileTemplates:
    """The templates of a datastore, looked up per dataset.

    Parameters
    ----------
    config : `~collections.abc.Mapping`, optional
        Template by key.  A key is a dataset type name, a storage class
        name, a set of dimensions written ``physical_filter+detector+exposure``
        (matching dataset types whose dimensions conform to exactly that
        set), ``default``, or ``instrument<NAME>`` whose value is another such
        mapping that takes precedence for data IDs of that instrument.  A
        false ``default`` disables the default.
    default : `str`, optional
        Default template used when ``config`` has no ``default`` key.
    universe : `DimensionUniverse`, optional
        Used to conform dimension keys; the entity's universe otherwise.

    Notes
    -----
    Lookup order for a dataset: the full dataset type name, the parent name
    (for components), the dimensions, the storage class name, the
    ``default``; each first within the matching instrument section if any.
    Lookups are cached.
    """

    defaultKey = _DEFAULT_KEY

    def __init__(self, config: Mapping[str, Any] | None = None, default: str | None = None, *,
                 universe: DimensionUniverse | None = None):
        config = dict(config or {})
        self._universe = universe
        default_value = config.pop(_DEFAULT_KEY, default)
        if default_value and not isinstance(default_value, str):
            raise FileTemplateValidationError(
                f"The default template must be a string, False or None, not {default_value!r}.")
        self.default: FileTemplate | None = FileTemplate(default_value) if default_value else None
        self._templates: dict[str, FileTemplate] = {}
        self._instrument_templates: dict[str, FileTemplates] = {}
        for key, value in config.items():
            match = _INSTRUMENT_KEY.match(key)
            if match:
                if not isinstance(value, Mapping):
                    raise FileTemplateValidationError(f"Template section {key!r} must be a mapping.")
                self._instrument_templates[match.group(1)] = FileTemplates(value, None, universe=universe)
            elif isinstance(value, str) and value:
                self._templates[key] = FileTemplate(value)
            elif value:
                raise FileTemplateValidationError(f"Template for {key!r} must be a string, not {value!r}.")
        self._dimension_keys = {key: frozenset(key.split("+")) for key in self._templates if "+" in key}
        self._cache: dict[tuple, tuple[str, FileTemplate]] = {}

    @property
    def templates(self) -> Mapping[str, FileTemplate]:
        """Configured templates by key, without the default."""
        return MappingProxyType(self._templates)

    def __contains__(self, key: str) -> bool:
        return key in self._templates

    def __getitem__(self, key: str) -> FileTemplate:
        return self._templates[key]

    def _match_here(self, type_names: list[str], sc_name: str | None,
                    dimensions: DimensionGroup | None) -> tuple[str, FileTemplate] | None:
        for name in type_names:
            if name in self._templates:
                return name, self._templates[name]
        if dimensions is not None and self._dimension_keys:
            universe = self._universe or dimensions.universe
            for key, names in self._dimension_keys.items():
                try:
                    if universe.conform(names) == dimensions:
                        return key, self._templates[key]
                except KeyError:
                    continue
        if sc_name is not None and sc_name in self._templates:
            return sc_name, self._templates[sc_name]
        return None

    def getTemplateWithMatch(self, entity: DatasetRef | DatasetType | StorageClass) -> tuple[str, FileTemplate]:
        """Return the template for ``entity`` and the key that matched.

        Parameters
        ----------
        entity : `DatasetRef`, `DatasetType` or `StorageClass`
            What to find a template for; only a `DatasetRef` can match an
            ``instrument<NAME>`` section.

        Returns
        -------
        key : `str`
            The configuration key (``default`` for the default).
        template : `FileTemplate`
            The template.

        Raises
        ------
        KeyError
            Raised if nothing matches and there is no default.
        """
        from ..storage_class import StorageClass

        if isinstance(entity, StorageClass):
            type_names: list[str] = []
            sc_name: str | None = entity.name
            dimensions = None
            instrument = None
        else:
            dataset_type = getattr(entity, "datasetType", entity)
            type_names = [dataset_type.name]
            if dataset_type.isComponent():
                type_names.append(dataset_type.nameAndComponent()[0])
            sc_name = dataset_type.storageClass_name
            dimensions = dataset_type.dimensions
            instrument = None
            if self._instrument_templates and hasattr(entity, "dataId"):
                instrument = entity.dataId.mapping.get("instrument")
        cache_key = (tuple(type_names), sc_name, dimensions, instrument)
        found = self._cache.get(cache_key)
        if found is not None:
            return found
        section = self._instrument_templates.get(instrument) if instrument is not None else None
        if section is not None:
            found = section._match_here(type_names, sc_name, dimensions)
            if found is None and section.default is not None:
                found = (f"instrument<{instrument}>", section.default)
        if found is None:
            found = self._match_here(type_names, sc_name, dimensions)
        if found is None:
            if self.default is None:
                raise KeyError(f"Unable to determine file template from supplied argument [{entity}]")
            found = (_DEFAULT_KEY, self.default)
        self._cache[cache_key] = found
        return found

    def getTemplate(self, entity: DatasetRef | DatasetType | StorageClass) -> FileTemplate:
        """Return the template for ``entity`` (see `getTemplateWithMatch`)."""
        return self.getTemplateWithMatch(entity)[1]

    def validate(self, entities: Iterable[DatasetRef | DatasetType | StorageClass], logFailures: bool = False) -> None:
        """Check that each entity's template gives unique paths for it.

        A template matched by the entity's own dataset type name may omit
        ``datasetType``; any other template must include it or ``id``.

        Parameters
        ----------
        entities : iterable of `DatasetType`, `DatasetRef` or `StorageClass`
            What to check.
        logFailures : `bool`, optional
            Also log each failure.

        Raises
        ------
        FileTemplateValidationError
            Raised listing every failure.
        """
        failures = []
        for entity in entities:
            try:
                key, template = self.getTemplateWithMatch(entity)
            except KeyError as err:
                failures.append(str(err).strip("\"'"))
                continue
            own_name = getattr(getattr(entity, "datasetType", entity), "name", None)
            shared = key != own_name and key != (own_name or "").partition(".")[0]
            try:
                template.validateTemplate(entity, require_dataset_type=shared and hasattr(entity, "dimensions"))
            except FileTemplateValidationError as err:
                failures.append(f"{err} (via key '{key}')")
        if failures:
            if logFailures:
                for failure in failures:
                    _LOG.critical("File template failure: %s", failure)
            if len(failures) == 1:
                raise FileTemplateValidationError(failures[0])
            raise FileTemplateValidationError(
                f"{len(failures)} template validation failures: " + ";\n".join(failures))

    validateTemplates = validate
