"""Resolving handlers by name or object, registering custom ones, and the pyarrow extra."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from axl.errors import StepOptionError
from axl.io import HandlerError, IOHandler, get_handler, handler_names, register_handler
from tests.io.handlers import TextHandler

ROOT = Path(__file__).resolve().parents[2]
BUILTINS = ["arrow", "cloudpickle", "json", "parquet", "pickle"]


@pytest.mark.parametrize(
    ("name", "ext"),
    [
        ("pickle", ".pkl"),
        ("cloudpickle", ".cpkl"),
        ("json", ".json"),
        ("parquet", ".parquet"),
        ("arrow", ".arrow"),
    ],
)
def test_builtins(name: str, ext: str):
    handler = get_handler(name)
    assert handler.name == name and handler.ext == ext
    assert isinstance(handler, IOHandler)
    assert get_handler(name) is handler
    assert get_handler(handler) is handler


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(
        StepOptionError,
        match=r"unknown IO handler 'yaml'; known handlers: arrow, cloudpickle, json, parquet, pickle "
        r"\(pass one of these names, or an IOHandler object\)",
    ):
        get_handler("yaml")


def test_custom_handler_object_is_registered_by_name():
    handler = TextHandler()
    assert get_handler(handler) is handler
    assert get_handler("text") is handler
    assert handler_names() == sorted([*BUILTINS, "text"])
    assert register_handler(handler) is handler


def test_same_class_again_is_accepted():
    first, second = TextHandler(), TextHandler()
    register_handler(first)
    assert register_handler(second) is second
    assert get_handler("text") is second


def test_name_clash_with_another_handler():
    class Impostor(TextHandler):
        pass

    register_handler(TextHandler())
    with pytest.raises(
        HandlerError,
        match=r"IO handler name 'text' is taken by tests.io.handlers.TextHandler; cannot register "
        r".*Impostor \(give the new handler a different name\)",
    ):
        get_handler(Impostor())


def test_builtin_names_are_taken():
    class MyPickle(TextHandler):
        name = "pickle"
        ext = ".pkl"

    with pytest.raises(
        HandlerError, match="IO handler name 'pickle' is taken by axl.io.pickle.PickleHandler"
    ):
        register_handler(MyPickle())


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (TextHandler, "is not an IO handler name or an IOHandler object"),
        (object(), "is not an IO handler name or an IOHandler object"),
        (42, "is not an IO handler name or an IOHandler object"),
    ],
)
def test_not_a_handler(value, message: str):
    with pytest.raises(HandlerError, match=message):
        get_handler(value)


@pytest.mark.parametrize(
    ("name", "ext", "message"),
    [
        ("Bad Name", ".x", r"has the invalid name 'Bad Name'"),
        ("ok", "x", r"IO handler 'ok' has the invalid extension 'x'"),
        ("ok", ".a/b", r"IO handler 'ok' has the invalid extension '.a/b'"),
    ],
)
def test_invalid_name_or_extension(name: str, ext: str, message: str):
    handler = TextHandler()
    handler.name, handler.ext = name, ext  # type: ignore[misc]
    with pytest.raises(HandlerError, match=message):
        register_handler(handler)


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_resolving_builtins_imports_no_optional_library():
    out = run_python(
        """
        import sys
        from axl.io import get_handler, handler_names
        for name in handler_names():
            get_handler(name)
        heavy = {"pyarrow", "pandas", "cloudpickle", "blake3", "pydantic"} & set(sys.modules)
        print(sorted(heavy))
        """
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_missing_pyarrow_names_the_extra(tmp_path: Path):
    import pyarrow as pa

    from axl.io.artifacts import write_artifact

    written = tmp_path / "old.parquet"
    write_artifact(pa.table({"x": [1]}), written, "parquet", step="s")
    out = run_python(
        f"""
        import sys
        sys.modules["pyarrow"] = None
        sys.modules["pandas"] = None
        from pathlib import Path
        from axl.errors import MissingDependencyError
        from axl.io.artifacts import read_artifact, write_artifact
        folder = Path({str(tmp_path)!r})
        for handler in ("parquet", "arrow"):
            try:
                write_artifact({{"x": [1]}}, folder / f"new.{{handler}}", handler, step="s")
            except MissingDependencyError as exc:
                print(exc, exc.exit_code)
        try:
            read_artifact(folder / "old.parquet")
        except MissingDependencyError as exc:
            print(exc)
        print(sorted(p.name for p in folder.iterdir()))
        """
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "the parquet IO handler needs pyarrow, which is not installed (install axl-workflows[arrow]) 4",
        "the arrow IO handler needs pyarrow, which is not installed (install axl-workflows[arrow]) 4",
        "the parquet IO handler needs pyarrow, which is not installed (install axl-workflows[arrow])",
        "['old.meta.json', 'old.parquet']",
    ]


def test_missing_pandas_for_a_dataframe_artifact(tmp_path: Path):
    import pandas as pd

    from axl.io.artifacts import write_artifact

    write_artifact(pd.DataFrame({"x": [1]}), tmp_path / "frame.arrow", "arrow", step="s")
    out = run_python(
        f"""
        import sys
        sys.modules["pandas"] = None
        from axl.errors import MissingDependencyError
        from axl.io.artifacts import read_artifact
        try:
            read_artifact({str(tmp_path / "frame.arrow")!r})
        except MissingDependencyError as exc:
            print(exc)
        """
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == (
        "this arrow artifact holds a pandas DataFrame, and pandas is not installed (install pandas)"
    )
