"""`ConfigChoiceField`: one (or several) of a set of named configs, each kept with its values."""

from __future__ import annotations

__all__ = ("ConfigChoiceField", "ConfigInstanceDict", "SelectionSet")

from collections.abc import Callable, Iterable, Iterator, Mapping, MutableSet
from typing import TYPE_CHECKING, Any, TextIO

from .callstack import StackFrame, caller_frame, capture_stack
from .comparison import compare_config_entries
from .errors import FieldValidationError, UnexpectedProxyUsageError
from .field import write_doc
from .naming import join_name, suggest_names, type_string
from .subconfig_field import SubconfigField, copy_values

if TYPE_CHECKING:
    from .config import Config


class SelectionSet(MutableSet):
    """The ``names`` of a multi-selection `ConfigChoiceField`: a set that refuses unknown names."""

    def __init__(self, choices: ConfigInstanceDict, names: Iterable[str]):
        self._choices = choices
        self._set: set[str] = set()
        for name in names:
            choices._require_known(name)
            self._set.add(name)

    def add(self, value: str) -> None:
        """Select ``value`` as well."""
        self._choices._field._refuse_if_frozen(self._choices._owner)
        self._choices._require_known(value)
        self._set.add(value)
        self._choices._record(f"added {value!r} to selection", "selection")

    def discard(self, value: str) -> None:
        """Deselect ``value``."""
        self._choices._field._refuse_if_frozen(self._choices._owner)
        self._set.discard(value)
        self._choices._record(f"removed {value!r} from selection", "selection")

    def __contains__(self, value: object) -> bool:
        return value in self._set

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._set, key=str))

    def __len__(self) -> int:
        return len(self._set)

    def __repr__(self) -> str:
        return repr(sorted(self._set, key=str))

    def __reduce__(self) -> Any:
        return (set, (set(self._set),))


class ConfigInstanceDict(Mapping):
    """The value of a `ConfigChoiceField`: a config per choice name, plus the selection.

    ``choices["psfex"].spatialOrder = 2`` configures one choice (its config
    is created on first access); ``choices.name = "psfex"`` (or ``names``
    for multi-selection) selects; ``choices.active`` is the selected
    config(s).
    """

    def __init__(self, owner: Config, field: ConfigChoiceField):
        self._owner = owner
        self._field = field
        self._dict: dict[str, Config] = {}
        self._selection: str | SelectionSet | None = None

    @property
    def types(self) -> Mapping[str, type[Config]]:
        """The mapping of choice names to config classes."""
        return self._field.typemap

    def __contains__(self, key: object) -> bool:
        return key in self.types

    def __len__(self) -> int:
        return len(self.types)

    def __iter__(self) -> Iterator[str]:
        return iter(self.types)

    def _require_known(self, key: Any) -> None:
        if key not in self.types:
            names = [str(k) for k in self.types]
            hint = suggest_names(key, names) if isinstance(key, str) else ""
            raise FieldValidationError(
                self._field, self._owner, f"unknown choice {key!r}; known choices: {', '.join(names)}{hint}"
            )

    def _record(self, value: Any, label: str, at: tuple[StackFrame, ...] | None = None) -> None:
        self._field._record(self._owner, value, at, label)

    def _item_name(self, key: str) -> str:
        return join_name(self._owner._name, self._field.name, key)

    def __getitem__(self, key: str) -> Config:
        value = self._dict.get(key)
        if value is None:
            if key not in self.types:
                choices = ", ".join(self.types)
                raise KeyError(f"{key!r} is not a choice of {self._field.name!r}; choices: {choices}")
            value = self.types[key]._create(name=self._item_name(key), at=capture_stack(), label="default")
            if self._owner._frozen:
                value.freeze()
            self._dict[key] = value
        return value

    def __setitem__(self, key: str, value: Any) -> None:
        self._field._refuse_if_frozen(self._owner)
        self._require_known(key)
        config_class = self.types[key]
        if value is config_class:
            value = config_class()
        elif type(value) is not config_class:
            raise FieldValidationError(
                self._field, self._owner,
                f"value {value!r} for choice {key!r} has type {type_string(value)}; "
                f"expected a {type_string(config_class)}",
            )
        copy_values(self[key], value, capture_stack(), "assignment")

    # -- selection ---------------------------------------------------------

    def _set_selection(self, value: Any, at: tuple[StackFrame, ...] | None = None,
                       label: str = "assignment") -> None:
        self._field._refuse_if_frozen(self._owner)
        if value is None:
            self._selection = None
        elif self._field.multi:
            if isinstance(value, str):
                value = [value]
            self._selection = SelectionSet(self, value)
        else:
            self._require_known(value)
            self._selection = value
        shown = self._selected_names() if self._field.multi else self._selection
        self._record(shown, label, at)

    @property
    def name(self) -> str | None:
        """The selected choice (single-selection fields)."""
        if self._field.multi:
            raise AttributeError(f"multi-selection field {self._field.name!r} has .names, not .name")
        return self._selection  # type: ignore[return-value]

    @name.setter
    def name(self, value: str | None) -> None:
        if self._field.multi:
            raise AttributeError(f"multi-selection field {self._field.name!r} has .names, not .name")
        self._set_selection(value, capture_stack())

    @property
    def names(self) -> SelectionSet | None:
        """The selected choices (multi-selection fields)."""
        if not self._field.multi:
            raise AttributeError(f"single-selection field {self._field.name!r} has .name, not .names")
        return self._selection  # type: ignore[return-value]

    @names.setter
    def names(self, value: Iterable[str] | None) -> None:
        if not self._field.multi:
            raise AttributeError(f"single-selection field {self._field.name!r} has .name, not .names")
        self._set_selection(value, capture_stack())

    @property
    def active(self) -> Config | list[Config] | None:
        """The selected config, or the list of them for multi-selection fields."""
        if self._selection is None:
            return None
        if self._field.multi:
            return [self[name] for name in self._selection]
        return self[self._selection]  # type: ignore[index]

    def _selected_names(self) -> list[str]:
        if self._selection is None:
            return []
        return list(self._selection) if self._field.multi else [self._selection]  # type: ignore[list-item]

    def _saved_keys(self) -> list[str]:
        """Choices whose values an override file must carry: those configured and those selected."""
        wanted = set(self._dict) | set(self._selected_names())
        return [key for key in self.types if key in wanted]

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_") or hasattr(type(self), name):
            object.__setattr__(self, name, value)
        else:
            raise FieldValidationError(
                self._field, self._owner,
                f"choice fields have no attribute {name!r}; select with .name/.names and configure "
                f"choices as [{name!r}]... ",
            )

    def freeze(self) -> None:
        for config in self._dict.values():
            config.freeze()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ConfigInstanceDict):
            return NotImplemented
        if self._selected_names() != other._selected_names():
            return False
        return all(self[name] == other[name] for name in self._selected_names())

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(selection={self._selected_names()!r}, choices={list(self.types)!r})"

    def __reduce__(self) -> Any:
        raise UnexpectedProxyUsageError(
            f"the choices of {self._field.name!r} cannot be pickled; "
            "pickle the selected config (.active) instead"
        )


class ConfigChoiceField(SubconfigField):
    """A field offering several named configs, of which one (or several, with ``multi``) is selected.

    Parameters
    ----------
    doc : `str`
        What the choice is about.
    typemap : `~collections.abc.Mapping`
        ``{name: ConfigClass}``; looked up live, so entries added later count.
    default : `str` or `list` [`str`], optional
        Initially selected name(s).
    optional : `bool`, optional
        Whether having no selection passes validation.
    multi : `bool`, optional
        Whether several choices may be selected at once (``names``).
    deprecated : `str`, optional
        Why the field is going away.
    """

    instanceDictClass: type[ConfigInstanceDict] = ConfigInstanceDict

    def __class_getitem__(cls, params: Any) -> Any:
        raise ValueError(f"{cls.__name__} does not take a type argument")

    def __init__(
        self,
        doc: str,
        typemap: Mapping[str, type[Config]],
        default: str | Iterable[str] | None = None,
        optional: bool = False,
        multi: bool = False,
        deprecated: str | None = None,
    ):
        self.typemap = typemap
        self.multi = multi
        self._setup(doc, self.instanceDictClass, default, None, optional, caller_frame(), deprecated)

    def _set_default(self, instance: Config, at: tuple[StackFrame, ...]) -> None:
        choices = self.instanceDictClass(instance, self)
        instance._storage[self.name] = choices
        self._record(instance, "Initialized from defaults", at, "default")
        if self.default is not None:
            choices._set_selection(self.default, at, "default")

    def _assign(self, instance: Config, value: Any, at: tuple[StackFrame, ...], label: str) -> None:
        choices: ConfigInstanceDict = instance._storage[self.name]
        if isinstance(value, ConfigInstanceDict):
            for key, config in value._dict.items():
                copy_values(choices[key], config, at, label)
            choices._set_selection(value._selected_names() if self.multi else value._selection, at, label)
        else:
            choices._set_selection(value, at, label)

    def validate(self, instance: Config) -> None:
        choices: ConfigInstanceDict = self.__get__(instance)
        active = choices.active
        if active is None or (self.multi and not active):
            if not self.optional:
                raise FieldValidationError(self, instance, "required field has no selection")
            return
        for config in active if self.multi else [active]:
            config.validate()

    def _subconfigs(self, instance: Config) -> dict[str, Config]:
        return self.__get__(instance)._dict

    def save(self, outfile: TextIO, instance: Config, prefix: str, reference: Config | None) -> None:
        choices: ConfigInstanceDict = self.__get__(instance)
        path = join_name(prefix, self.name)
        for key in choices._saved_keys():
            choices[key]._save(outfile, join_name(path, None, key), None)
        write_doc(outfile, self.doc)
        if self.multi:
            outfile.write(f"{path}.names = {choices._selected_names()!r}\n\n")
        else:
            outfile.write(f"{path}.name = {choices._selection!r}\n\n")

    def toDict(self, instance: Config) -> dict[str, Any]:
        choices: ConfigInstanceDict = self.__get__(instance)
        selection = choices._selected_names() if self.multi else choices._selection
        values = {key: choices[key].toDict() for key in choices.types}
        return {"names" if self.multi else "name": selection, "values": values}

    def _copy_storage(self, old: Config, new: Config) -> Any:
        source: ConfigInstanceDict = old._storage[self.name]
        copy = self.instanceDictClass(new, self)
        for key, config in source._dict.items():
            copy._dict[key] = config.copy()
        if isinstance(source._selection, SelectionSet):
            copy._selection = SelectionSet(copy, source._selection)
        else:
            copy._selection = source._selection
        return copy

    def _collect_imports(self, instance: Config, imports: set[str]) -> None:
        choices: ConfigInstanceDict = self.__get__(instance)
        for key in choices._saved_keys():
            imports |= choices[key]._collectImports()

    def _compare(self, instance1: Config, instance2: Config, shortcut: bool, rtol: float, atol: float,
                 output: Callable[[str], Any] | None) -> bool:
        c1, c2 = self.__get__(instance1), self.__get__(instance2)
        name = self._compared_name(instance1, instance2)
        if c1._selected_names() != c2._selected_names():
            if output is not None:
                output(f"Selection differs for {name}: {c1._selected_names()!r} != {c2._selected_names()!r}")
            return False
        return compare_config_entries(
            name, c1._selected_names(), c1, c2, shortcut=shortcut, rtol=rtol, atol=atol, output=output
        )
