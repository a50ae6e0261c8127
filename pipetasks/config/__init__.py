"""Configuration of tasks: LSST's pex_config model, written anew.

LSST task code ports by changing one import::

    import pipetasks.config as pexConfig

    class DetectionConfig(pexConfig.Config):
        thresholdValue = pexConfig.Field(doc="Threshold (sigma).", dtype=float, default=5.0)

See ``docs/config.md``.
"""

from .callstack import StackFrame
from .choice_field import ChoiceField
from .comparison import compare_configs, compare_scalars
from .config import Config, ConfigMeta
from .config_choice_field import ConfigChoiceField, ConfigInstanceDict, SelectionSet
from .config_dict_field import ConfigDict, ConfigDictField
from .config_field import ConfigField
from .configurable_field import ConfigurableField, ConfigurableInstance
from .dict_field import Dict, DictField
from .errors import ConfigOverrideError, FieldValidationError, UnexpectedProxyUsageError, UnknownFieldError
from .field import Field
from .history import HistoryEntry, format_history
from .list_field import List, ListField
from .overrides import apply_override, apply_overrides, parse_override_value, split_override
from .persistence import unreduce_config
from .range_field import RangeField
from .registry import Registry, RegistryField, makeRegistry, registerConfig, registerConfigurable

# pex_config's spellings of the comparison helpers and the unpickler.
compareConfigs = compare_configs
compareScalars = compare_scalars
unreduceConfig = unreduce_config

__all__ = [
    "ChoiceField",
    "Config",
    "ConfigChoiceField",
    "ConfigDict",
    "ConfigDictField",
    "ConfigField",
    "ConfigInstanceDict",
    "ConfigMeta",
    "ConfigOverrideError",
    "ConfigurableField",
    "ConfigurableInstance",
    "Dict",
    "DictField",
    "Field",
    "FieldValidationError",
    "HistoryEntry",
    "List",
    "ListField",
    "RangeField",
    "Registry",
    "RegistryField",
    "SelectionSet",
    "StackFrame",
    "UnexpectedProxyUsageError",
    "UnknownFieldError",
    "apply_override",
    "apply_overrides",
    "compareConfigs",
    "compareScalars",
    "compare_configs",
    "compare_scalars",
    "format_history",
    "makeRegistry",
    "parse_override_value",
    "registerConfig",
    "registerConfigurable",
    "split_override",
    "unreduceConfig",
    "unreduce_config",
]
