"""Config override files: writing them and executing them.

An override file is Python run with ``config`` bound to the config being
changed (``root`` too, for old LSST files that use that name)::

    import pipetasks.characterize.characterize_image
    assert type(config) is pipetasks.characterize.characterize_image.CharacterizeImageConfig, ...
    import mypackage.detection
    # Detection threshold.
    config.detection.thresholdValue = 5.0
    config.measurement.retarget(target=mypackage.detection.MyMeasureTask, ConfigClass=...)
    config.plugins['base_SdssShape'].doMeasurePsf = True
    config.plugins.names = ['base_SdssShape']

Saving writes one assignment per field (with its doc as a comment), the
``retarget`` calls a `ConfigurableField` needs, and ``import`` lines for
every module the values refer to (retarget targets, choice classes,
registry plug-ins, and modules the loaded override files imported).
"""

from __future__ import annotations

__all__ = ("execute", "load_file", "unreduce_config", "write_file", "write_stream")

import ast
import builtins
import os
import sys
import tempfile
from typing import IO, TYPE_CHECKING, Any

from .naming import type_string

if TYPE_CHECKING:
    from .config import Config


def write_stream(config: Config, outfile: IO[str], root: str = "config", skip_imports: bool = False) -> None:
    """Write the override file reproducing ``config`` to ``outfile``."""
    if not skip_imports:
        module = type(config).__module__
        type_name = type_string(type(config))
        outfile.write(f"import {module}\n")
        if "<locals>" in type_name:
            outfile.write(f"# {type_name} is defined in a function: its type cannot be checked here\n\n")
        else:
            outfile.write(
                f'assert type({root}) is {type_name}, f"config is of type '
                f'{{type({root}).__module__}}.{{type({root}).__qualname__}} instead of {type_name}"\n\n'
            )
        for name in sorted(config._collectImports() - {module}):
            if name != "builtins" and sys.modules.get(name) is not None:
                outfile.write(f"import {name}\n")
        outfile.write("\n")
    config._save(outfile, root, _fresh_reference(config))


def _fresh_reference(config: Config) -> Config | None:
    """The same config type with its defaults, so saving can tell which retargets are needed."""
    try:
        return type(config)()
    except Exception:  # noqa: BLE001 - a config that cannot be rebuilt is saved without the comparison
        return None


def write_file(config: Config, filename: str, root: str = "config") -> None:
    """Write the override file atomically: into a temporary file beside ``filename``, then rename."""
    directory = os.path.dirname(os.path.abspath(filename))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".config-", suffix=".py.tmp")
    try:
        with os.fdopen(handle, "w") as outfile:
            write_stream(config, outfile, root)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, filename)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def load_file(config: Config, filename: str, root: str = "config") -> None:
    """Execute the override file ``filename`` against ``config``."""
    path = os.path.abspath(filename)
    with open(path, encoding="utf-8") as stream:
        code = stream.read()
    execute(config, code, root, path)


def _imported_modules(statements: list[ast.stmt], modules: set[str] | None = None) -> set[str]:
    """Modules imported by ``statements``, looking into compound statements but not into expressions."""
    modules = set() if modules is None else modules
    for node in statements:
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.module and node.level == 0:
                modules.add(node.module)
        elif not isinstance(node, (ast.Assign, ast.Expr, ast.AugAssign, ast.AnnAssign)):
            for block in ("body", "orelse", "finalbody", "handlers"):
                inner = getattr(node, block, None)
                if isinstance(inner, list):
                    _imported_modules(inner, modules)
    return modules


def execute(
    config: Config,
    code: str | bytes,
    root: str = "config",
    filename: str | None = None,
    extra_locals: dict[str, Any] | None = None,
) -> None:
    """Run override code with ``root`` (and ``config``/``root``) bound to ``config``.

    Modules the code imports are remembered, so saving the config again
    writes the same imports (registries are often filled by importing a
    plug-in module).
    """
    if isinstance(code, bytes):
        code = code.decode("utf-8")
    label = filename or "<string>"
    tree = ast.parse(code, filename=label, mode="exec")
    compiled = compile(tree, filename=label, mode="exec")
    namespace: dict[str, Any] = {"__builtins__": builtins, "__file__": filename, "__name__": "__config__"}
    namespace["config"] = config
    namespace["root"] = config
    namespace[root] = config
    if extra_locals:
        if root in extra_locals:
            raise ValueError(f"{root!r} is the name of the config being loaded; it cannot be an extra local")
        namespace.update(extra_locals)
    exec(compiled, namespace)
    config._imports.update(_imported_modules(tree.body))


def unreduce_config(config_class: type[Config], text: str | bytes, frozen: bool = False) -> Config:
    """Rebuild a pickled config from its override text."""
    config = config_class()
    execute(config, text)
    if frozen:
        config.freeze()
    return config
