"""The local engine's scheduler alone: no processes, no files, no clock (time is passed in)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from axl.runtime.record import (
    CACHED,
    CANCELLED,
    FAILED,
    NOT_RUN,
    PENDING,
    RUNNING,
    SKIPPED,
    STALE,
    SUCCEEDED,
)
from axl.runtime.scheduler import LOST_TRIES, Change, Scheduler, StepFacts

DIAMOND = {"a": (), "b": ("a",), "c": ("a",), "d": ("b", "c")}


def make(
    graph: Mapping[str, Iterable[str]],
    *,
    parallel: int = 4,
    when: Mapping[str, str] | None = None,
    retries: Mapping[str, int] | None = None,
    **kwargs: Any,
) -> tuple[Scheduler, list[Change]]:
    when, retries = when or {}, retries or {}
    steps = {
        name: StepFacts(upstream=tuple(ups), when=when.get(name), retries=retries.get(name, 0))
        for name, ups in graph.items()
    }
    changes: list[Change] = []
    sched = Scheduler(steps, max_parallel=parallel, report=changes.append, **kwargs)
    return sched, changes


def run_ok(sched: Scheduler, name: str) -> None:
    sched.started(name)
    sched.succeeded(name)


def drive(sched: Scheduler, outcome: Callable[[str], bool] = lambda _: True) -> list[str]:
    """Run every step the scheduler hands out, one wave at a time; the start order."""
    order: list[str] = []
    while names := sched.ready(0.0):
        for name in names:
            order.append(name)
            sched.started(name)
            if outcome(name):
                sched.succeeded(name)
            else:
                sched.failed(name, 0.0)
    return order


def test_a_diamond_starts_in_topological_order_and_waits_for_both_middles():
    sched, changes = make(DIAMOND)
    assert sched.ready(0) == ["a"]
    assert sched.ready(0) == []  # handed out already: not twice
    run_ok(sched, "a")
    assert sched.ready(0) == ["b", "c"]
    run_ok(sched, "b")
    assert sched.ready(0) == []  # d still waits for c
    run_ok(sched, "c")
    assert sched.ready(0) == ["d"]
    run_ok(sched, "d")
    assert sched.done()
    sched.finish()
    assert changes == []
    assert all(sched.status(n) == SUCCEEDED for n in DIAMOND)


def test_max_parallel_bounds_what_runs_and_a_slot_that_frees_is_filled():
    sched, _ = make({f"s{i}": () for i in range(5)}, parallel=2)
    assert sched.ready(0) == ["s0", "s1"]
    assert sched.running == ["s0", "s1"]
    assert sched.ready(0) == []
    run_ok(sched, "s1")
    assert sched.ready(0) == ["s2"]
    assert not sched.done()


def test_a_cached_step_frees_its_slot_and_its_dependants_start():
    sched, _ = make({"a": (), "b": ("a",), "c": ()}, parallel=1)
    assert sched.ready(0) == ["a"]
    sched.succeeded("a", cached=True)  # served without a process: no attempt
    assert sched.status("a") == CACHED and sched.attempts("a") == 0
    assert sched.ready(0) == ["b"]


def test_a_false_when_skips_the_step_and_everything_after_it():
    graph = {"a": (), "gate": ("a",), "after": ("gate",), "last": ("after",), "side": ("a",)}
    asked: list[str] = []

    def holds(name: str) -> bool:
        asked.append(name)
        return False

    sched, changes = make(graph, when={"gate": "score > 0.9"}, holds=holds)
    run_ok(sched, *sched.ready(0))
    assert sched.ready(0) == ["side"]
    assert asked == ["gate"]  # asked once, when its inputs were done
    assert changes == [
        Change("gate", SKIPPED, "when 'score > 0.9' is false"),
        Change("after", SKIPPED, "an upstream step was skipped"),
        Change("last", SKIPPED, "an upstream step was skipped"),
    ]
    run_ok(sched, "side")
    assert sched.done()


def test_a_when_that_holds_lets_the_step_start():
    sched, changes = make({"a": (), "b": ("a",)}, when={"b": "x"}, holds=lambda _: True)
    run_ok(sched, *sched.ready(0))
    assert sched.ready(0) == ["b"]
    assert changes == []


def test_a_failure_stops_new_starts_but_running_steps_finish():
    graph = {"a": (), "b": (), "c": ("a",), "d": ("b",)}
    sched, changes = make(graph)
    assert sched.ready(0) == ["a", "b"]
    sched.started("a")
    sched.started("b")
    assert sched.failed("a", 0) is None
    assert sched.stopping and sched.status("a") == FAILED
    assert not sched.done()  # b still runs
    sched.succeeded("b")
    assert sched.ready(0) == []  # d could start, but the run is stopping
    assert sched.done()
    sched.finish()
    assert changes == [
        Change("c", NOT_RUN, "an upstream step failed"),
        Change("d", NOT_RUN, "an upstream step failed"),
    ]


def test_waiting_retries_are_given_up_after_a_final_failure():
    sched, changes = make({"flaky": (), "bad": ()}, retries={"flaky": 2})
    sched.ready(0)
    sched.started("flaky")
    sched.started("bad")
    assert sched.failed("flaky", 10.0) == 10.0  # no backoff given: due at once
    assert sched.failed("bad", 10.0) is None
    assert not sched.done()  # the retry still waits...
    assert sched.ready(10.0) == []  # ...until the scheduler is next asked
    assert changes == [Change("flaky", FAILED)]
    assert sched.done() and sched.next_wakeup() is None


def test_retries_wait_for_their_backoff_and_next_wakeup_says_when():
    delays = {1: 2.0, 2: 4.0}
    sched, _ = make({"w": ()}, retries={"w": 2}, backoff=lambda name, attempt: delays[attempt])
    assert sched.ready(100.0) == ["w"]
    assert sched.started("w") == 1
    assert sched.failed("w", 100.0) == 102.0
    assert sched.status("w") == PENDING and sched.next_wakeup() == 102.0
    assert not sched.done()
    assert sched.ready(101.9) == []
    assert sched.ready(102.0) == ["w"]
    assert sched.next_wakeup() is None
    assert sched.started("w") == 2
    assert sched.failed("w", 103.0) == 107.0
    assert sched.ready(107.5) == ["w"]
    assert sched.started("w") == 3
    assert sched.failed("w", 108.0) is None  # two retries, three attempts: failed for good
    assert sched.status("w") == FAILED and sched.done()


def test_cancel_marks_running_and_waiting_cancelled_and_the_rest_not_run():
    graph = {"a": (), "b": (), "r": (), "c": ("a",)}
    sched, changes = make(graph, retries={"r": 1})
    assert sched.ready(0) == ["a", "b", "r"]
    for name in ("a", "b", "r"):
        sched.started(name)
    sched.failed("r", 0.0)
    sched.succeeded("b")  # ended while the signal came: it keeps its result
    sched.cancel()
    assert changes == [
        Change("a", CANCELLED),
        Change("r", CANCELLED),
        Change("c", NOT_RUN, "the run was cancelled"),
    ]
    assert sched.status("b") == SUCCEEDED
    assert sched.done()


def test_a_lost_step_goes_back_without_counting_an_attempt():
    sched, _ = make({"a": ()})
    for _ in range(LOST_TRIES):
        assert sched.ready(0) == ["a"]
        assert sched.started("a") == 1
        assert sched.lost("a")
        assert sched.status("a") == PENDING and sched.attempts("a") == 0
    assert sched.ready(0) == ["a"]
    sched.started("a")
    assert not sched.lost("a")  # too often: the loop reports it failed
    assert sched.status("a") == RUNNING
    assert sched.failed("a", 0) is None
    assert sched.attempts("a") == 1


def test_steps_not_pending_at_the_start_never_run():
    sched, _ = make(DIAMOND, statuses={"a": SUCCEEDED, "b": SUCCEEDED, "c": NOT_RUN})
    assert sched.ready(0) == []
    assert sched.done()
    sched.finish()
    assert sched.status("d") == NOT_RUN


def test_resume_sends_a_kept_step_back_to_run_when_its_input_changes():
    statuses = {"b": SUCCEEDED, "c": SUCCEEDED}
    changed = {"b"}
    sched, changes = make(
        {"a": (), "b": ("a",), "c": ("b",)},
        statuses=statuses,
        kept={"b", "c"},
        input_changed=lambda name: name in changed,
    )
    assert sched.ready(0) == ["a"]
    run_ok(sched, "a")
    assert changes == [Change("b", PENDING, "rerun: its input 'a' changed since it ran")]
    assert sched.kept == {"c"}
    changed.add("c")
    assert sched.ready(0) == ["b"]
    run_ok(sched, "b")
    assert changes[1] == Change("c", PENDING, "rerun: its input 'b' changed since it ran")
    assert sched.ready(0) == ["c"]


def test_resume_keeps_a_kept_step_whose_inputs_did_not_change():
    sched, changes = make(
        {"a": (), "b": ("a",)}, statuses={"b": SUCCEEDED}, kept={"b"}, input_changed=lambda _: False
    )
    assert drive(sched) == ["a"]
    assert changes == [] and sched.kept == {"b"} and sched.done()


def test_only_marks_a_kept_step_stale_instead_of_running_it():
    statuses = {"b": SUCCEEDED, "c": SUCCEEDED}
    sched, changes = make(
        {"a": (), "b": ("a",), "c": ("b",)},
        statuses=statuses,
        kept={"b", "c"},
        only=True,
        input_changed=lambda name: name == "b",
    )
    assert drive(sched) == ["a"]
    assert changes == [Change("b", STALE, "its input 'a' changed since it ran; --resume reruns it")]
    assert sched.status("c") == SUCCEEDED  # read b's files, which did not change
    assert sched.done()


def test_a_step_skipped_on_resume_can_outdate_a_kept_dependant():
    sched, changes = make(
        {"gate": (), "after": ("gate",)},
        when={"gate": "flag"},
        holds=lambda _: False,
        statuses={"after": SUCCEEDED},
        kept={"after"},
        input_changed=lambda name: name == "after",
    )
    assert sched.ready(0) == []
    assert changes == [
        Change("gate", SKIPPED, "when 'flag' is false"),
        Change("after", PENDING, "rerun: its input 'gate' changed since it ran"),
        Change("after", SKIPPED, "an upstream step was skipped"),
    ]
    assert sched.done()


def test_ten_thousand_steps_settle():
    width, layers = 100, 100
    graph: dict[str, tuple[str, ...]] = {}
    for layer in range(layers):
        for i in range(width):
            ups = () if layer == 0 else (f"l{layer - 1}-{i}", f"l{layer - 1}-{(i + 1) % width}")
            graph[f"l{layer}-{i}"] = ups
    asked: list[str] = []

    def holds(name: str) -> bool:
        asked.append(name)
        return True

    sched, changes = make(graph, parallel=8, when=dict.fromkeys(graph, "go"), holds=holds)
    order = drive(sched)
    assert len(order) == len(graph) == 10_000
    assert sorted(asked) == sorted(graph)  # each condition asked once, not once a wave
    assert sched.done() and changes == []
    position = {name: i for i, name in enumerate(order)}
    assert all(position[up] < position[name] for name, ups in graph.items() for up in ups)


def test_a_long_chain_with_a_failure_in_the_middle_leaves_the_rest_not_run():
    graph = {f"s{i}": ((f"s{i - 1}",) if i else ()) for i in range(10_000)}
    sched, changes = make(graph, parallel=2)
    order = drive(sched, outcome=lambda name: name != "s5000")
    assert len(order) == 5001
    assert sched.done()
    sched.finish()
    assert len(changes) == 4999 and all(c.status == NOT_RUN for c in changes)


def test_a_kept_step_waits_until_its_own_kept_input_is_checked():
    """a -> b -> c, a -> d(c): a reruns; b and c are kept but provisional; d must not start
    on c before b (and then c) are confirmed or rerun."""
    steps = {
        "a": StepFacts(upstream=()),
        "b": StepFacts(upstream=("a",)),
        "c": StepFacts(upstream=("b",)),
        "d": StepFacts(upstream=("a", "c")),
    }
    kept = {"b", "c", "d"}
    done = dict.fromkeys(kept, SUCCEEDED)
    changed = {"b", "c", "d"}  # a's new output changes what each consumed
    scheduler = Scheduler(
        steps, max_parallel=4, statuses=done, kept=kept, input_changed=lambda n: n in changed
    )
    assert scheduler.ready(0) == ["a"]
    scheduler.started("a")
    scheduler.succeeded("a")
    assert scheduler.ready(0) == ["b"]  # d waits: c is not final yet
    scheduler.started("b")
    scheduler.succeeded("b")
    assert scheduler.ready(0) == ["c"]
    scheduler.started("c")
    scheduler.succeeded("c")
    assert scheduler.ready(0) == ["d"]
