"""Which folder to archive for a workflow file: :mod:`axl.codefiles.roots`, named here too."""

from axl.codefiles.roots import (
    ROOT_MARKERS,
    ModuleLocation,
    archive_root_for,
    locate_module,
    module_name_for,
)

__all__ = ["ROOT_MARKERS", "ModuleLocation", "archive_root_for", "locate_module", "module_name_for"]
