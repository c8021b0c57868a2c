"""Which folder to archive for a workflow file, and how to import the file from the archive."""

from __future__ import annotations

import pytest

from axl.packaging.archive import ArchiveError
from axl.packaging.roots import ModuleLocation, archive_root_for, locate_module, module_name_for


def test_root_is_the_nearest_folder_with_pyproject(make_tree):
    root = make_tree({"pyproject.toml": "", "flows/train/flow.py": ""})
    assert archive_root_for(root / "flows" / "train" / "flow.py") == root.resolve()


def test_root_is_the_git_work_tree_when_nearer(make_tree):
    root = make_tree({"pyproject.toml": "", "sub/.git/HEAD": "", "sub/flow.py": ""})
    assert archive_root_for(root / "sub" / "flow.py") == (root / "sub").resolve()


def test_root_falls_back_to_the_file_folder(tmp_path):
    (tmp_path / "loose").mkdir()
    flow = tmp_path / "loose" / "flow.py"
    flow.write_text("")
    assert archive_root_for(flow) == (tmp_path / "loose").resolve()


def test_workflow_path_wins_and_must_contain_the_file(make_tree, tmp_path):
    root = make_tree({"pyproject.toml": "", "flows/flow.py": "", "other/x.py": ""})
    assert (
        archive_root_for(root / "flows" / "flow.py", root / "flows") == (root / "flows").resolve()
    )
    with pytest.raises(ArchiveError, match=r"flow\.py is not inside the workflow path .*other"):
        archive_root_for(root / "flows" / "flow.py", root / "other")
    with pytest.raises(ArchiveError, match="workflow path .*missing is not a folder"):
        archive_root_for(root / "flows" / "flow.py", root / "missing")
    with pytest.raises(ArchiveError, match="workflow file .*nope.py does not exist"):
        archive_root_for(root / "nope.py")


def test_module_names_are_dotted_paths_from_the_root(make_tree):
    root = make_tree({"flow.py": "", "flows/train.py": "", "pkg/__init__.py": "", "pkg/m.py": ""})
    assert module_name_for(root / "flow.py", root) == "flow"
    assert module_name_for(root / "flows" / "train.py", root) == "flows.train"
    assert module_name_for(root / "pkg" / "__init__.py", root) == "pkg"
    location = locate_module(root / "pkg" / "m.py", root)
    assert location == ModuleLocation(module="pkg.m", import_root=".")
    assert location.sys_path_entries == (".",)


def test_src_layout_imports_from_src(make_tree):
    root = make_tree({"pyproject.toml": "", "src/pkg/__init__.py": "", "src/pkg/flows.py": ""})
    location = locate_module(root / "src" / "pkg" / "flows.py", root)
    assert location == ModuleLocation(module="pkg.flows", import_root="src")
    assert location.sys_path_entries == ("src", ".")


def test_a_src_package_is_not_a_src_layout(make_tree):
    root = make_tree({"src/__init__.py": "", "src/flows.py": ""})
    assert locate_module(root / "src" / "flows.py", root) == ModuleLocation("src.flows", ".")


def test_names_that_cannot_be_imported_are_refused(make_tree):
    root = make_tree({"my-flows/train.py": "", "__init__.py": "", "notes.txt": ""})
    with pytest.raises(ArchiveError, match=r"'my-flows' is not a Python name"):
        module_name_for(root / "my-flows" / "train.py", root)
    with pytest.raises(ArchiveError, match="has no module name"):
        module_name_for(root / "__init__.py", root)
    with pytest.raises(ArchiveError, match="is not a .py file"):
        module_name_for(root / "notes.txt", root)
    with pytest.raises(ArchiveError, match="is not inside the archive root"):
        module_name_for(root / "notes.txt", root / "my-flows")
