"""Which folder to archive for a workflow file, and how to import the workflow from it."""

from __future__ import annotations

from pathlib import Path

from axl.codefiles.selection import ArchiveError
from axl.dataclass_fast import dataclass

__all__ = [
    "ROOT_MARKERS",
    "ModuleLocation",
    "archive_root_for",
    "locate_module",
    "module_name_for",
]

ROOT_MARKERS = ("pyproject.toml", ".git")
"""A folder holding one of these is a project's root."""


@dataclass(frozen=True)
class ModuleLocation:
    """How to import a workflow file from an extracted archive."""

    module: str
    """Dotted module name, e.g. ``flows.train``."""
    import_root: str
    """The folder to put on ``sys.path``, relative to the archive root: ``.`` or ``src``."""

    @property
    def sys_path_entries(self) -> tuple[str, ...]:
        """Folders (relative to the work folder) to prepend to ``sys.path``, first wins."""
        return (self.import_root,) if self.import_root == "." else (self.import_root, ".")


def archive_root_for(module_file: Path, workflow_path: Path | None = None) -> Path:
    """The folder to archive for a workflow file.

    ``workflow_path`` when given (it must contain the file); otherwise the
    nearest folder above the file holding ``pyproject.toml`` or ``.git``;
    otherwise the file's own folder.
    """
    module_file = Path(module_file).resolve()
    if not module_file.is_file():
        raise ArchiveError(
            f"workflow file {module_file} does not exist", hint="pass an existing .py file"
        )
    if workflow_path is None:
        for folder in module_file.parents:
            if any((folder / marker).exists() for marker in ROOT_MARKERS):
                return folder
        return module_file.parent
    root = Path(workflow_path).resolve()
    if not root.is_dir():
        raise ArchiveError(
            f"workflow path {workflow_path} is not a folder",
            hint="pass the project folder that holds the workflow code",
        )
    if not module_file.is_relative_to(root):
        raise ArchiveError(
            f"workflow file {module_file} is not inside the workflow path {root}",
            hint="pass a workflow path that contains the workflow file, or leave it out",
        )
    return root


def locate_module(module_file: Path, root: Path) -> ModuleLocation:
    """The module name of ``module_file`` and its import root, inside the archive of ``root``.

    The name is the file's path relative to ``root`` with dots; in a src
    layout (the file under ``root/src/``, and ``src`` no package itself) it
    is relative to ``src``, which is then the import root.
    """
    module_file, root = Path(module_file).resolve(), Path(root).resolve()
    if not module_file.is_relative_to(root):
        raise ArchiveError(
            f"workflow file {module_file} is not inside the archive root {root}",
            hint="pass a workflow path that contains the workflow file",
        )
    rel = module_file.relative_to(root)
    if rel.suffix != ".py":
        raise ArchiveError(f"workflow file {rel} is not a .py file", hint="pass a Python file")
    parts = list(rel.with_suffix("").parts)
    import_root = "."
    if len(parts) > 1 and parts[0] == "src" and not (root / "src" / "__init__.py").exists():
        import_root, parts = "src", parts[1:]
    if parts[-1] == "__init__":
        parts.pop()
    if not parts:
        raise ArchiveError(
            f"{rel} is the archive root's own __init__.py and has no module name",
            hint="pass the folder above it as the workflow path",
        )
    for part in parts:
        if not part.isidentifier():
            raise ArchiveError(
                f"{rel} cannot be imported from the archive: {part!r} is not a Python name",
                hint="rename it with letters, digits and underscores, "
                "or pass a workflow path closer to the file",
            )
    return ModuleLocation(module=".".join(parts), import_root=import_root)


def module_name_for(module_file: Path, root: Path) -> str:
    """The dotted import path of ``module_file`` inside the archive of ``root``."""
    return locate_module(module_file, root).module
