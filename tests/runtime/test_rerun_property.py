"""Property: whatever mix of runs, ``--only``, ``--resume``, code changes and kills came first,
a final ``--resume`` leaves every step with the value a fresh run of the current code gives.

Random DAGs of 3-7 steps go through random actions, each through the CLI:

* ``run``: a new run (a new run id and seed) becomes the current one;
* ``only``: ``--only STEP`` on the current run;
* ``resume``: ``--resume`` on the current run;
* ``change``: a step's code changes (its module is rewritten), then maybe ``--only``;
* ``kill``: ``--resume`` (or a new run) SIGKILLed, process group and all, while it runs.

Along the way the statuses must be honest: exit 0 exactly when the run is
``succeeded``, and then every output is current; a step reported succeeded
or cached holds what its code makes of the inputs it reads; after ``--only``
changed a step's value, the steps reading it are ``stale``; and ``--only`` is
refused only when an upstream step has no current result.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from axl.errors import EXIT_USAGE, ArtifactError
from axl.io.artifacts import read_artifact
from axl.runtime.record import DONE_OK, RECORD_FILE, STALE, SUCCEEDED, RunRecord
from tests.runtime.trust_workflows import (
    Dag,
    broken_sidecars,
    expected_outputs,
    kill_group,
    produce,
    run_args,
    run_cli,
    start_cli,
)

SIZE = 256
NAP = 0.05  # every step sleeps this long, so kills land mid-run
# Two at a time, so that --resume after a code change could start a step on an input still
# to be rerun if the engine let it (test_resume_waits_for_a_kept_input_whose_own_input_reruns).
PARALLEL = 2


@st.composite
def dags(draw: st.DrawFn) -> Dag:
    count = draw(st.integers(3, 7))
    names = [f"s{i:02d}" for i in range(count)]
    upstream = {}
    for i, name in enumerate(names):
        picks = st.lists(st.sampled_from(names[:i]), unique=True, max_size=3) if i else st.just([])
        upstream[name] = sorted(draw(picks))
    return Dag(upstream)


actions = st.one_of(
    st.tuples(st.just("run"), st.integers(0, 2)),
    st.tuples(st.just("only"), st.integers(0, 6)),
    st.tuples(st.just("resume")),
    # a code change, then maybe --only of the changed step or of any step
    st.tuples(
        st.just("change"), st.integers(0, 6), st.sampled_from(["", "it", "any"]), st.integers(0, 6)
    ),
    st.tuples(st.just("kill"), st.booleans(), st.floats(0.3, 0.7)),
)


@dataclass
class Session:
    """One workspace, its workflow file and the run the actions apply to."""

    folder: Path
    dag: Dag
    target: str = ""
    run_id: str = ""
    seed: int = 0
    runs: int = 0

    @property
    def run_dir(self) -> Path:
        return self.folder / "ws" / "runs" / self.run_id

    def args(self, *extra: str, run_id: str | None = None, parallel: int = PARALLEL) -> list[str]:
        params = {
            "seed": self.seed,
            "size": SIZE,
            "nap": NAP,
            "nap_steps": ",".join(self.dag.names),
        }
        return run_args(
            self.target,
            self.folder / "ws",
            run_id or self.run_id,
            params,
            "--max-parallel",
            str(parallel),
            *extra,
        )

    def new_run(self, seed: int) -> None:
        self.runs += 1
        self.run_id, self.seed = f"r{self.runs}", seed

    def record(self) -> RunRecord | None:
        return RunRecord.load(self.run_dir) if (self.run_dir / RECORD_FILE).exists() else None

    def value(self, record: RunRecord, name: str) -> bytes | None:
        """The output the record names for ``name``, if it has one and it checks out."""
        step = record.steps[name]
        if not step.outputs:
            return None
        try:
            return read_artifact(step.outputs[0].path, step.outputs[0].handler)
        except ArtifactError:
            return None

    def current(self, record: RunRecord, name: str, *, any_version: bool = False) -> bool:
        """Reported done, and holding what the step's code makes of the inputs it reads now.

        ``any_version``: what any code the step has had so far makes of them.
        """
        if record.steps[name].status not in DONE_OK:
            return False
        inputs = [self.value(record, up) for up in self.dag.upstream[name]]
        if any(data is None for data in inputs):
            return False
        now = self.dag.version(name)
        own = self.value(record, name)
        return any(
            own == produce(name, version, self.seed, SIZE, inputs)  # type: ignore[arg-type]
            for version in (range(now + 1) if any_version else [now])  # versions only grow
        )

    def unknown_inputs(self, record: RunRecord, name: str) -> bool:
        """An upstream step has no output in the record (it is to run): nothing to compare."""
        return any(not record.steps[up].outputs for up in self.dag.upstream[name])


def _check_honest(session: Session, record: RunRecord, *, killed: bool = False) -> None:
    """A step reported succeeded or cached holds its code's value of its inputs.

    A kill may leave the record of the run before, which had not seen the last
    code change: then any code the step had will do, but no other inputs.
    """
    for name, step in record.steps.items():
        if step.status not in DONE_OK:
            continue
        assert session.value(record, name) is not None, f"{name}: {step.status}, no valid output"
        if not session.unknown_inputs(record, name):
            assert session.current(record, name, any_version=killed), (
                f"{name}: {step.status} but not current"
            )


def _check_exit(session: Session, code: int, stderr: str) -> RunRecord:
    record = session.record()
    assert record is not None, stderr
    assert (code == 0) == (record.status == SUCCEEDED), (code, record.status, stderr)
    if code == 0:
        expected = expected_outputs(session.dag, session.seed, SIZE)
        assert {n: session.value(record, n) for n in expected} == expected
    _check_honest(session, record)
    return record


def _only(session: Session, name: str) -> None:
    before = session.record()
    out = run_cli(*session.args("--only", name))
    if before is None:  # killed before its first record: nothing to rerun one step of
        event("--only: no record")
        assert out.returncode == EXIT_USAGE, out.stderr
        return
    if out.returncode == EXIT_USAGE and "no current results" in out.stderr:
        event("--only: refused")
        assert not all(session.current(before, up) for up in session.dag.upstream[name]), out.stderr
        after = session.record()
        assert after is not None and after.steps == before.steps  # nothing ran
        return
    after = _check_exit(session, out.returncode, out.stderr)
    changed = session.value(before, name) != session.value(after, name)
    event(f"--only: exit {out.returncode}, value changed: {changed}")
    for down in session.dag.downstream(name):
        if changed and session.current(before, down):
            assert after.steps[down].status == STALE, (down, after.steps[down])
    for other, step in after.steps.items():
        if other != name and before.steps[other].status in DONE_OK:
            assert step.status in (*DONE_OK, STALE), (other, step)
    if any(step.status == STALE for step in after.steps.values()):
        assert out.returncode != 0


def _resume(session: Session) -> None:
    out = run_cli(*session.args("--resume"))
    assert out.returncode == 0, out.stderr
    _check_exit(session, out.returncode, out.stderr)


def _kill(session: Session, new_run: bool, delay: float) -> None:
    if new_run:
        session.new_run(session.seed)
    proc = start_cli(*session.args() if new_run else session.args("--resume"))
    time.sleep(delay)
    kill_group(proc)
    if session.run_dir.exists():
        assert not broken_sidecars(session.run_dir)
    record = session.record()
    done = sum(s.status in DONE_OK for s in record.steps.values()) if record else -1
    event(f"kill: {'no record' if record is None else f'{done}/{len(session.dag.names)} done'}")
    if record is not None:
        _check_honest(session, record, killed=True)


@pytest.mark.slow
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(dag=dags(), steps=st.lists(actions, min_size=1, max_size=5))
def test_final_resume_matches_a_fresh_run(tmp_path: Path, dag: Dag, steps: list[tuple]):
    session = Session(Path(tempfile.mkdtemp(dir=tmp_path)), dag)
    session.target = dag.write(session.folder)
    session.new_run(0)
    first = run_cli(*session.args())
    _check_exit(session, first.returncode, first.stderr)
    for action, *args in steps:
        if action == "run":
            session.new_run(args[0])
            out = run_cli(*session.args())
            assert out.returncode == 0, out.stderr
            _check_exit(session, out.returncode, out.stderr)
        elif action == "only":
            _only(session, dag.names[args[0] % len(dag.names)])
        elif action == "resume":
            _resume(session)
        elif action == "change":
            changed, then, other = args
            name = dag.names[changed % len(dag.names)]
            dag.versions[name] = dag.version(name) + 1
            dag.write(session.folder)
            if then:
                _only(session, name if then == "it" else dag.names[other % len(dag.names)])
        else:
            _kill(session, *args)
    _resume(session)
    resumed = session.record()
    fresh = run_cli(*session.args(run_id="fresh"))
    assert fresh.returncode == 0, fresh.stderr
    fresh_record = RunRecord.load(session.folder / "ws" / "runs" / "fresh")
    assert resumed is not None
    for name in dag.names:
        assert session.value(resumed, name) == session.value(fresh_record, name), name


def test_only_marks_stale_a_step_reading_a_changed_and_a_stale_step(tmp_path: Path):
    dag = Dag({"s00": [], "s01": ["s00"], "s02": ["s00", "s01"]})
    session = Session(tmp_path, dag, target=dag.write(tmp_path))
    session.new_run(0)
    assert run_cli(*session.args()).returncode == 0
    dag.versions["s00"] = 1
    dag.write(tmp_path)
    out = run_cli(*session.args("--only", "s00"))
    assert out.returncode != 0
    record = session.record()
    assert record is not None
    assert record.steps["s01"].status == STALE
    assert record.steps["s02"].status == STALE, record.steps["s02"]  # s00 changed under it


def test_resume_waits_for_a_kept_input_whose_own_input_reruns(tmp_path: Path):
    # s00 -> s01 -> s02 -> s03 and s00 -> s03: after s00 changes, s03 must read the new s02
    dag = Dag({"s00": [], "s01": ["s00"], "s02": ["s01"], "s03": ["s00", "s02"]})
    session = Session(tmp_path, dag, target=dag.write(tmp_path))
    session.new_run(0)
    assert run_cli(*session.args(parallel=2)).returncode == 0
    dag.versions["s00"] = 1
    dag.write(tmp_path)
    out = run_cli(*session.args("--resume", parallel=2))
    assert out.returncode == 0, out.stderr
    record = session.record()
    assert record is not None
    expected = expected_outputs(dag, session.seed, SIZE)
    assert session.value(record, "s02") == expected["s02"]
    assert session.value(record, "s03") == expected["s03"], "s03 read the old s02"
