"""``set_mocks`` is process-global: each program runs in its own process, and that is checked."""

from __future__ import annotations

import functools
from pathlib import Path

from tests.pulumi import programs
from tests.pulumi.harness import run_in_one_process, run_program

CLEAN = {"root_resource": False, "config": {}}


def test_a_program_sees_nothing_of_the_one_before(program_dir: Path) -> None:
    first = run_program(
        functools.partial(programs.probe, "first", leave_config=True), cwd=program_dir
    ).check()
    second = run_program(
        functools.partial(programs.probe, "second", leave_config=False), cwd=program_dir
    ).check()

    assert first.pristine == CLEAN
    assert second.pristine == CLEAN
    assert second.exports == {"second_saw": None}
    assert [r.name for r in second.resources] == ["second"]


def test_without_isolation_the_leak_is_visible(program_dir: Path) -> None:
    # The control: the same two programs in one process share the root stack (the first
    # program's exports show up in the second's) and config, which the checks above catch.
    first, second = run_in_one_process(
        [
            functools.partial(programs.probe, "first", leave_config=True),
            functools.partial(programs.probe, "second", leave_config=False),
        ],
        cwd=program_dir,
    )

    assert first.check().pristine == CLEAN
    assert second.check().pristine != CLEAN
    assert second.pristine == {"root_resource": True, "config": {"axl-test:probe": "left by first"}}
    assert second.exports == {"first_saw": None, "second_saw": None}


def test_config_reaches_the_program_under_its_project(program_dir: Path) -> None:
    run = run_program(
        functools.partial(programs.probe, "only", leave_config=False),
        cwd=program_dir,
        project="proj",
        config={"proj:probe": "from stack config"},
    ).check()

    assert run.exports == {"only_saw": "from stack config"}
    assert (
        run.by_name("only").urn
        == "urn:pulumi:test::proj::pulumi:pulumi:Stack$test:index:Probe::only"
    )
