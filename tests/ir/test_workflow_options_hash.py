"""Workflow options that decide a workflow's environment are in the IR and in its hash.

``requirements_file``, ``use_lockfile`` and ``warm_env`` came after IR version 1:
at their defaults they stay out of the canonical JSON, so workflows that do not
use them keep their hash (the golden files prove the compiled output unchanged).
"""

from __future__ import annotations

import json

import pytest

from axl import Workflow, step, workflow
from axl.errors import StepOptionError
from axl.ir import IRWorkflow, build_ir


def _flow(**options) -> type[Workflow]:
    @workflow(name="options-hash", **options)
    class Flow:
        @step
        def only(self) -> int:
            return 1

    return Flow


def test_each_option_changes_the_hash():
    base = build_ir(_flow()).compute_hash()
    variants = {
        "requirements_file": build_ir(_flow(requirements_file="requirements.txt")),
        "other requirements_file": build_ir(_flow(requirements_file="deps/requirements.txt")),
        "use_lockfile=False": build_ir(_flow(use_lockfile=False)),
        "use_lockfile=True": build_ir(_flow(use_lockfile=True)),
        "warm_env": build_ir(_flow(warm_env=True)),
    }
    hashes = {name: ir.compute_hash() for name, ir in variants.items()}
    assert base not in hashes.values()
    assert len(set(hashes.values())) == len(hashes)


def test_defaults_stay_out_of_the_canonical_json_and_values_round_trip():
    plain = json.loads(build_ir(_flow()).to_json())
    assert not {"requirements_file", "use_lockfile", "warm_env"} & set(plain)
    ir = build_ir(_flow(requirements_file="requirements.txt", use_lockfile=False, warm_env=True))
    data = json.loads(ir.to_json())
    assert (data["requirements_file"], data["use_lockfile"], data["warm_env"]) == (
        "requirements.txt",
        False,
        True,
    )
    again = IRWorkflow.from_json(ir.to_json())
    assert (again.requirements_file, again.use_lockfile, again.warm_env) == (
        "requirements.txt",
        False,
        True,
    )
    assert again.compute_hash() == ir.compute_hash()


def test_the_ir_carries_warm_env_from_a_class_attribute():
    class Warm(Workflow):
        warm_env = True

        @step
        def only(self) -> int:
            return 1

    assert build_ir(Warm).warm_env is True


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_warm_env_must_be_a_bool(value):
    with pytest.raises(
        StepOptionError, match=r"invalid option warm_env=.*: expected True or False"
    ):
        _flow(warm_env=value)
