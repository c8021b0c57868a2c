"""Fuzzing what crosses into axl from outside: ``--param``, ``--params`` files, manifests.

Whatever the input, the answer is a value or one of axl's own errors (never
another exception, so never exit 70), and what is accepted is plain JSON data
that survives the trip through a manifest unchanged.
"""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from axl.dsl.params import load_params_file, merge_cli_params
from axl.errors import EXIT_INTERNAL, AxlError
from axl.manifest import Manifest, archive_digest_hex

FUZZ = settings(
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Text with everything users and shells can produce, and what they cannot (NUL, surrogates).
weird_text = st.text(
    alphabet=st.one_of(
        st.characters(),
        st.sampled_from(["\x00", "\ud800", "\udcff", "=", "[", "]", "{", "}", ":", '"', "\n"]),
    ),
    max_size=40,
)


def nested(most: int) -> st.SearchStrategy[str]:
    """``[[[...]]]`` (or ``{{{``, or unclosed) up to ``most`` deep."""
    return st.builds(
        lambda n, opener, closed: opener * n + ("]" if opener == "[" else "}") * (n * closed),
        st.integers(0, most),
        st.sampled_from(["[", "{"]),
        st.booleans(),
    )


deep = nested(20_000)
numbers = st.one_of(
    st.builds(lambda sign, n: sign + "9" * n, st.sampled_from(["", "-"]), st.integers(1, 6000)),
    st.integers().map(str),
    st.sampled_from(["NaN", "-Infinity", "1e999", "-1e-999", "0x10", "1_000", "\u0663"]),
    st.floats().map(repr),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=4)
    ),
    max_leaves=20,
)
fragments = st.one_of(
    json_values.map(json.dumps),
    json_values.map(json.dumps).map(lambda t: t[: len(t) // 2]),
    weird_text,
    deep,
    numbers,
)
pairs = st.lists(
    st.one_of(
        st.builds(lambda k, v: f"{k}={v}", weird_text, fragments),
        weird_text,
    ),
    max_size=4,
)


def check_accepted(values: dict[str, Any]) -> None:
    """Accepted params are JSON data that a manifest carries unchanged."""
    text = json.dumps(values, allow_nan=False)
    assert json.loads(text) == values
    manifest = Manifest.from_dict({"workflow": "m:W", "step": "s", "params": values})
    assert Manifest.from_json(manifest.to_json()).params == values


def outcome(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except AxlError as exc:
        assert exc.exit_code != EXIT_INTERNAL
        assert "\n" not in exc.message
        return exc


@FUZZ
@given(pairs)
def test_param_flags(flags: list[str]):
    result = outcome(merge_cli_params, None, flags)
    if not isinstance(result, AxlError):
        check_accepted(result)


yaml_scalars = st.one_of(
    st.sampled_from(
        [
            "2024-01-01",
            "2024-01-01 10:00:00",
            "2024-13-45",
            "2001-12-14t21:59:43.10-05:00",
            "yes",
            "no",
            "on",
            "~",
            "null",
            ".nan",
            ".inf",
            "-.inf",
            "0o17",
            "0x1F",
            "1_000",
            "!!binary aGVsbG8=",
            "!!set {a, b}",
            "!!python/object:os.system x",
            "!!float x",
            "!!int 1.5",
            "!!timestamp x",
            "!!omap [a: 1]",
            "!!pairs [a: 1]",
            "'\\ud800'",
            '"\\ud800"',
            '"\\0"',
            "&a [*a]",
            "*undefined",
            "9" * 5000,
            "1e999",
        ]
    ),  # fmt: skip
    weird_text.map(json.dumps),
    numbers,
)


@st.composite
def yaml_documents(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["mapping", "aliases", "deep", "top", "bytes", "json"]))
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    if kind == "json":
        return json.dumps(draw(json_values)).encode()
    if kind == "deep":
        return b"x: " + draw(deep).encode() + b"\n"
    if kind == "top":
        return draw(st.one_of(yaml_scalars, st.just("- 1\n- 2"), st.just("? [a]\n: b"))).encode()
    if kind == "aliases":
        width = draw(st.integers(1, 6))  # the alias bomb itself is in test_params_hostile
        levels = draw(st.integers(1, 6))
        lines = [f"a0: &a0 [{', '.join(['x'] * width)}]"]
        for i in range(1, levels):
            lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]")
        return ("\n".join(lines) + "\n").encode()
    keys = draw(st.lists(st.one_of(st.text(max_size=6).map(json.dumps), yaml_scalars), max_size=4))
    lines = [f"{key}: {draw(yaml_scalars)}" for key in keys]
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")


@pytest.mark.slow
@FUZZ
@given(yaml_documents())
def test_params_files(document: bytes):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "params.yaml"
        path.write_bytes(document)
        result = outcome(load_params_file, path)
    if not isinstance(result, AxlError):
        check_accepted(result)


VALID: dict[str, Any] = {
    "workflow": "pkg.flows:Train",
    "step": "fit",
    "run_id": "r1",
    "params": {"k": 3},
    "inputs": [{"name": "data", "path": "/axl/in/data.pkl", "handler": "pickle"}],
    "outputs": [{"path": "/axl/out/output.pkl", "handler": "pickle"}],
    "code": {"path": "/axl/code.tar.gz", "digest": "blake3:" + "0" * 64},
    "python_path": ["/axl/src"],
    "packages": {"requirements": ["numpy"], "policy": "check"},
    "env": {"MODE": "fast"},
    "workflow_name": "train",
    "version": 1,
}
wild = st.one_of(
    json_values,
    weird_text,
    st.sampled_from([[], {}, "", 0, -1, True, None, [None], {"": None}, "a\x00", "A=B"]),
)


@st.composite
def near_valid(draw: st.DrawFn) -> Any:
    """A valid manifest with a few fields removed, replaced or nested one level in."""
    data: Any = copy.deepcopy(VALID)
    for _ in range(draw(st.integers(1, 4))):
        key = draw(st.sampled_from(sorted(VALID)))
        action = draw(st.sampled_from(["drop", "replace", "inner"]))
        if action == "drop":
            data.pop(key, None)
        elif action == "replace" or not isinstance(data.get(key), dict | list):
            data[key] = copy.deepcopy(draw(wild))
        else:
            inner = data[key]
            target = inner[0] if isinstance(inner, list) and inner else inner
            if isinstance(target, dict):
                field = draw(st.one_of(st.sampled_from(sorted(target) or ["x"]), weird_text))
                target[field] = copy.deepcopy(draw(wild))
    return data


manifest_texts = st.one_of(
    near_valid().map(json.dumps),
    json_values.map(json.dumps),
    near_valid().map(json.dumps).map(lambda t: t[: len(t) // 2]),
    deep,
    weird_text,
    near_valid().map(lambda d: json.dumps(d).replace("3", "NaN", 1)),
)


@FUZZ
@given(manifest_texts)
def test_manifest_texts(text: str):
    result = outcome(Manifest.from_json, text)
    if isinstance(result, Manifest):
        check_usable(result)


def check_usable(manifest: Manifest) -> None:
    """What the runner hands the OS is valid: env names, paths, the digest; params are JSON."""
    assert Manifest.from_json(manifest.to_json()) == manifest
    json.dumps(manifest.to_dict()["params"], allow_nan=False)
    for name, value in manifest.env.items():
        assert name and "=" not in name and "\x00" not in name + value
    paths = [*manifest.python_path, *(i.path or "" for i in manifest.inputs)]
    paths += [o.path + (o.value_path or "") for o in manifest.outputs]
    if manifest.code is not None:
        paths += [manifest.code.path, manifest.code.workdir]
        assert manifest.code.digest is None or archive_digest_hex(manifest.code.digest)
    assert not any("\x00" in path for path in paths)


@FUZZ
@given(near_valid())
def test_near_valid_manifests(data: Any):
    result = outcome(Manifest.from_dict, data)
    if isinstance(result, Manifest):
        check_usable(result)
