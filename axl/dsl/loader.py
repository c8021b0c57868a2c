"""Find a workflow class from a ``-m TARGET`` reference.

TARGET is ``path/to/file.py:Class``, ``package.module:Class``, or either
without ``:Class`` when the module defines exactly one workflow.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
import traceback
from pathlib import Path

from axl.dataclass_fast import dataclass
from axl.dsl.workflow import Workflow
from axl.errors import AxlError, TargetError, WorkflowImportError


@dataclass(frozen=True)
class LoadedTarget:
    """A resolved workflow class and where it came from."""

    cls: type[Workflow]
    module: str
    file: Path | None
    sys_path: tuple[str, ...]

    @property
    def ref(self) -> str:
        """``module:QualName`` for runners."""
        return f"{self.module}:{self.cls.__qualname__}"


_TARGET_FORM = "expected path/to/file.py:Class or package.module:Class"
_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


def split_target(target: str) -> tuple[str, str | None]:
    """``"a/b.py:C"`` -> ``("a/b.py", "C")``; the class part is optional.

    A malformed target (``a.py:``, ``a.py::C``, ``:C``, ``a.py:not a name``)
    is a :class:`TargetError` that says what is wrong with it.
    """
    if not isinstance(target, str) or not target.strip():
        raise TargetError(
            "empty workflow target", hint="pass -m path/to/file.py:Class or -m package.module:Class"
        )
    text = target.strip()
    head, sep, tail = text.rpartition(":")
    if not sep or "/" in tail or "\\" in tail or tail.endswith(".py"):
        return text, None  # no class part; a ':' inside a path (C:\\...) is the path's
    if not tail:
        problem = "nothing after ':'"
        hint = "name the class after ':', or drop the ':' when the module has one workflow"
    elif head.endswith(":"):
        problem = "'::' where one ':' separates the module from the class"
        hint = f"write {head.rstrip(':')}:{tail}"
    elif not head:
        problem = "nothing before ':'"
        hint = "name the .py file or the module before ':'"
    elif ":" in head and not _DRIVE.match(head):
        problem = "more than one ':'"
        hint = "one ':' separates the module from the class"
    elif not all(part.isidentifier() for part in tail.split(".")):
        problem = f"{tail!r} after ':' is not a class name"
        hint = "the part after ':' is the workflow's class, e.g. MyWorkflow"
    else:
        return head, tail
    raise TargetError(f"malformed workflow target {text!r}: {problem} ({_TARGET_FORM})", hint=hint)


def _is_file_target(module_part: str) -> bool:
    return module_part.endswith(".py") or "/" in module_part or "\\" in module_part


def module_for_file(path: Path) -> tuple[str, Path]:
    """Dotted module name of a file and the folder to put on ``sys.path`` to import it.

    A file inside packages (folders with ``__init__.py``) is imported as
    ``pkg.sub.mod`` from the folder above the top package; a loose file as its stem.
    """
    path = path.resolve()
    parts = [path.stem]
    folder = path.parent
    while (folder / "__init__.py").is_file() and folder.parent != folder:
        parts.append(folder.name)
        folder = folder.parent
    return ".".join(reversed(parts)), folder


def load_target(target: str, *, extra_sys_path: tuple[str, ...] = ()) -> LoadedTarget:
    """Import the module of ``target`` and return its workflow class."""
    module_part, class_name = split_target(target)
    for entry in reversed(extra_sys_path):
        if entry not in sys.path:
            sys.path.insert(0, entry)
    file: Path | None = None
    added: tuple[str, ...] = tuple(extra_sys_path)
    if _is_file_target(module_part):
        file = Path(module_part)
        if file.is_dir():
            raise TargetError(
                f"workflow target {module_part} is a folder, not a .py file",
                hint="pass -m path/to/file.py:Class",
            )
        if not file.is_file():
            raise TargetError(
                f"workflow file {module_part} does not exist",
                hint="pass -m path/to/file.py:Class (relative to the current folder)",
            )
        module_name, root = module_for_file(file)
        if str(root) in sys.path:
            sys.path.remove(str(root))
        sys.path.insert(0, str(root))
        added = (*added, str(root))
        # A file target is always imported afresh: the same name may point at another file.
        sys.modules.pop(module_name, None)
    else:
        module_name = module_part
        if not all(part.isidentifier() for part in module_name.split(".")):
            raise TargetError(
                f"{target!r} is neither a .py file nor a dotted module name",
                hint="pass -m path/to/file.py:Class or -m package.module:Class",
            )
        # As `python -m` does: modules of the current folder are importable by name.
        cwd = os.getcwd()
        if cwd not in sys.path and "" not in sys.path:
            sys.path.append(cwd)
            added = (*added, cwd)
    module = import_workflow_module(module_name, file)
    if file is not None:
        _check_same_file(module, module_name, file)
    cls = _find_class(module, module_name, class_name, target)
    return LoadedTarget(cls=cls, module=module_name, file=file, sys_path=added)


def import_workflow_module(module_name: str, file: Path | None = None) -> object:
    """Import a module, turning any failure into a one-line :class:`WorkflowImportError`."""
    try:
        return importlib.import_module(module_name)
    except AxlError:
        raise
    except SyntaxError as exc:
        where = f"{exc.filename}:{exc.lineno}" if exc.filename else module_name
        raise WorkflowImportError(
            f"cannot import {module_name}: syntax error at {where}: {exc.msg}",
            hint="fix the syntax error in the workflow file",
        ) from None
    except ModuleNotFoundError as exc:
        if exc.name is not None and module_name.startswith(exc.name) and file is None:
            raise TargetError(
                f"no module named {exc.name!r}",
                hint="check the spelling, install the package, or pass a .py file path",
            ) from None
        raise WorkflowImportError(
            f"cannot import {module_name}{_user_location(exc)}: {type(exc).__name__}: {exc}",
            hint="install the missing package in this environment (or list it in packages=)",
        ) from None
    except Exception as exc:
        raise WorkflowImportError(
            f"cannot import {module_name}{_user_location(exc)}: {type(exc).__name__}: {exc}",
            hint="the workflow module raised while being imported; fix the line above",
        ) from None


def _user_location(exc: BaseException) -> str:
    """`` at file:line`` of the deepest frame outside importlib and axl."""
    frames = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if "importlib" not in f.filename and "/axl/" not in f.filename.replace("\\", "/")
    ]
    if not frames:
        return ""
    last = frames[-1]
    return f" ({last.filename}:{last.lineno})"


def _check_same_file(module: object, module_name: str, file: Path) -> None:
    loaded = getattr(module, "__file__", None)
    if loaded is None or Path(loaded).resolve() != file.resolve():
        raise TargetError(
            f"{file} is imported as module {module_name!r}, but that name is taken by {loaded}",
            hint="rename the workflow file so it does not shadow an installed module",
        )


def workflow_classes(module: object) -> list[type[Workflow]]:
    """Workflow subclasses defined in ``module`` (not merely imported into it)."""
    name = getattr(module, "__name__", "")
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, Workflow)
        and value is not Workflow
        and value.__module__ == name
    ]


def _find_class(
    module: object, module_name: str, class_name: str | None, target: str
) -> type[Workflow]:
    found = workflow_classes(module)
    if class_name is None:
        if len(found) == 1:
            return found[0]
        listed = ", ".join(sorted(c.__qualname__ for c in found)) or "none"
        raise TargetError(
            f"{target}: name the workflow class (workflows in {module_name}: {listed})",
            hint=f"pass -m {target}:ClassName",
        )
    obj: object = module
    for part in class_name.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            listed = ", ".join(sorted(c.__qualname__ for c in found)) or "none"
            raise TargetError(
                f"{module_name} has no class {class_name!r} (workflows there: {listed})",
                hint="check the name after ':'",
            )
    if not (isinstance(obj, type) and issubclass(obj, Workflow)):
        raise TargetError(
            f"{module_name}:{class_name} is not a workflow class",
            hint="subclass axl.Workflow or decorate the class with @axl.workflow",
        )
    return obj
