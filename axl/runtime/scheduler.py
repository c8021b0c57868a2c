"""Which steps of a local run start, wait, retry, skip or never run: decided from sets alone.

:class:`Scheduler` is the local engine's state machine. It holds the DAG,
each step's status and attempts, the retry deadlines, whether the run is
stopping after a failure, and the results kept from an earlier run
(``--only``/``--resume``). It does no I/O and reads no clock: the time comes
in as ``now``, and the two questions that need files are asked of the
predicates it is given (does a step's ``when`` hold? do a kept step's inputs
differ from what it consumed?).

The process loop (:mod:`axl.runtime.local`) drives it: it starts the steps
:meth:`Scheduler.ready` returns and reports how each one ended. The decisions
the scheduler makes on its own (a step skipped, stale, sent back to run, given
up, cancelled or never run) go to ``report`` as they are made, so the run
record never lags behind them.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping

from axl.dataclass_fast import dataclass
from axl.runtime.record import (
    CACHED,
    CANCELLED,
    DONE_OK,
    FAILED,
    NOT_RUN,
    PENDING,
    RUNNING,
    SKIPPED,
    STALE,
    SUCCEEDED,
)

LOST_TRIES = 3
"""How often a step whose process died before taking it goes to a new process."""

_INPUT_SETTLED = (*DONE_OK, SKIPPED)


@dataclass(frozen=True)
class StepFacts:
    """What the scheduler knows of one step."""

    upstream: tuple[str, ...] = ()
    when: str | None = None
    """The text of the step's condition, when it has one (``holds`` decides it)."""
    retries: int = 0
    """Attempts allowed after the first fails."""


@dataclass(frozen=True)
class Change:
    """A decision about a step the scheduler made on its own: the new status, and why.

    ``pending`` means a kept result goes back to run (its inputs changed).
    """

    name: str
    status: str
    reason: str | None = None


def _always(_name: str) -> bool:
    return True


def _never(_name: str) -> bool:
    return False


def _no_delay(_name: str, _attempt: int) -> float:
    return 0.0


def _ignore(_change: Change) -> None:
    return None


class Scheduler:
    """The state of one run's steps, and the transitions between them.

    Args:
        steps: every step, in topological order (the order steps start in).
        max_parallel: how many steps run at once (at least one).
        statuses: the status each step starts in (default ``pending``); a step
            that is not ``pending`` never starts.
        kept: steps whose earlier result is kept while their inputs hold.
        only: ``--only``: a kept step whose input changes is ``stale``
            rather than sent back to run.
        holds: whether a step's ``when`` holds, asked once its inputs are done.
        input_changed: whether a kept step's inputs now differ from what it
            consumed, asked each time one of its upstream steps settles.
        backoff: seconds to wait before retrying after failed attempt ``n``.
        report: receives each :class:`Change` as it is decided.
    """

    def __init__(
        self,
        steps: Mapping[str, StepFacts],
        *,
        max_parallel: int,
        statuses: Mapping[str, str] | None = None,
        kept: Iterable[str] = (),
        only: bool = False,
        holds: Callable[[str], bool] = _always,
        input_changed: Callable[[str], bool] = _never,
        backoff: Callable[[str, int], float] = _no_delay,
        report: Callable[[Change], None] = _ignore,
    ) -> None:
        self._steps = steps
        self._limit = max(1, max_parallel)
        self._names = list(steps)
        self._position = {name: i for i, name in enumerate(self._names)}
        self._down: dict[str, list[str]] = {name: [] for name in steps}
        for name, facts in steps.items():
            for up in facts.upstream:
                self._down[up].append(name)
        self._status = dict.fromkeys(self._names, PENDING)
        self._status.update(statuses or {})
        self._kept = set(kept)
        # A kept result is provisional while an input of it is still to run in this run:
        # nothing may consume it until its inputs are final and it is checked against them.
        self._provisional: set[str] = set()
        for name in self._names:
            if name in self._kept and any(
                self._status[up] == PENDING or up in self._provisional
                for up in steps[name].upstream
            ):
                self._provisional.add(name)
        self._only = only
        self._holds = holds
        self._input_changed = input_changed
        self._backoff = backoff
        self._report = report
        self._attempts = dict.fromkeys(self._names, 0)
        self._lost = dict.fromkeys(self._names, 0)
        self._running: dict[str, None] = {}  # in start order
        self._retry_at: dict[str, float] = {}
        self._dirty = set(self._names)  # steps whose inputs changed since last looked at
        self._queue = list(range(len(self._names)))  # the dirty ones, by position (a heap)
        self.stopping = False
        """A step failed for good: nothing new starts; running steps finish."""

    # What the loop reads.

    def status(self, name: str) -> str:
        """The step's status as the scheduler sees it."""
        return self._status[name]

    def attempts(self, name: str) -> int:
        """How many times the step was started in this run."""
        return self._attempts[name]

    @property
    def running(self) -> list[str]:
        """The steps handed out by :meth:`ready` that have not ended, in start order."""
        return list(self._running)

    @property
    def kept(self) -> set[str]:
        """The kept steps whose inputs have not changed (so far)."""
        return set(self._kept)

    def next_wakeup(self) -> float | None:
        """The earliest time a waiting retry is due, if one waits."""
        return min(self._retry_at.values(), default=None)

    def done(self) -> bool:
        """Nothing runs, no retry waits, and nothing more can start."""
        return not self._running and not self._retry_at and (self.stopping or not self._dirty)

    # Transitions.

    def ready(self, now: float) -> list[str]:
        """The steps to start now, in topological order, within ``max_parallel``.

        Steps whose inputs are done but one was skipped, or whose ``when``
        does not hold, are skipped on the way. Each step returned counts as
        running until it is reported with :meth:`succeeded`, :meth:`failed`,
        :meth:`lost` (when it returns True) or :meth:`cancel`. Once the run is
        stopping nothing starts, and the retries that were waiting fail.
        """
        if self.stopping:
            for name in list(self._retry_at):
                del self._retry_at[name]
                self._decide(name, FAILED)
            return []
        for name, at in self._retry_at.items():
            if now >= at:
                self._mark_dirty(name)
        starts: list[str] = []
        while self._queue and len(self._running) < self._limit:
            name = self._names[heapq.heappop(self._queue)]
            self._dirty.discard(name)
            if self._can_start(name, now):
                self._retry_at.pop(name, None)
                self._status[name] = RUNNING
                self._running[name] = None
                starts.append(name)
        return starts

    def started(self, name: str) -> int:
        """A step from :meth:`ready` has a process; the number of this attempt."""
        self._attempts[name] += 1
        return self._attempts[name]

    def succeeded(self, name: str, *, cached: bool = False) -> None:
        """The step ended well (or, ``cached``, was served from the cache without running)."""
        del self._running[name]
        self._status[name] = CACHED if cached else SUCCEEDED
        self._settled(name)

    def lost(self, name: str) -> bool:
        """Its process died before taking the step: True when it goes back to wait for
        another one (not counted as an attempt); False when that happened too often,
        and the loop reports it :meth:`failed`."""
        if self._lost[name] >= LOST_TRIES:
            return False
        self._lost[name] += 1
        self._attempts[name] -= 1
        del self._running[name]
        self._status[name] = PENDING
        self._mark_dirty(name)
        return True

    def failed(self, name: str, now: float) -> float | None:
        """The attempt failed: when the step is retried, or ``None`` when it failed for good
        (the run then stops starting steps)."""
        del self._running[name]
        attempt = self._attempts[name]
        if attempt <= self._steps[name].retries:
            self._status[name] = PENDING
            self._retry_at[name] = at = now + self._backoff(name, attempt)
            return at
        self._status[name] = FAILED
        self.stopping = True
        return None

    def cancel(self) -> None:
        """The run was interrupted: running steps and waiting retries are cancelled,
        steps that never started are ``not_run``. Steps that ended meanwhile must have
        been reported first."""
        for name in [*self._running, *self._retry_at]:
            self._decide(name, CANCELLED)
        self._running.clear()
        self._retry_at.clear()
        self._not_run("the run was cancelled")

    def finish(self) -> None:
        """The run is over (:meth:`done`): steps that never started are ``not_run``."""
        self._not_run("an upstream step failed")

    # Inside.

    def _can_start(self, name: str, now: float) -> bool:
        if self._status[name] != PENDING:
            return False
        if name in self._retry_at:
            return now >= self._retry_at[name]
        facts = self._steps[name]
        ups = [self._status[up] for up in facts.upstream]
        if any(status not in _INPUT_SETTLED for status in ups):
            return False
        if any(up in self._provisional for up in facts.upstream):
            return False
        if SKIPPED in ups:
            self._skip(name, "an upstream step was skipped")
            return False
        if facts.when is not None and not self._holds(name):
            self._skip(name, f"when {facts.when!r} is false")
            return False
        return True

    def _skip(self, name: str, reason: str) -> None:
        self._decide(name, SKIPPED, reason)
        self._settled(name)

    def _settled(self, name: str) -> None:
        """``name`` settled: its dependants may start, and a kept result may now be stale.

        A provisional kept result is checked once all its inputs are final;
        confirmed (or marked stale), it settles in turn, so the check walks
        down the graph (with a work list: chains may be long).
        """
        work = [name]
        while work:
            settled = work.pop()
            for down in self._down[settled]:
                self._mark_dirty(down)
                if down not in self._kept:
                    continue
                if down in self._provisional:
                    if not self._inputs_final(down):
                        continue
                    self._provisional.discard(down)
                    if not self._input_changed(down):
                        work.append(down)  # confirmed: what consumes it may go on
                        continue
                elif not self._input_changed(down):
                    continue
                self._kept.discard(down)
                why = f"its input {settled!r} changed since it ran"
                if self._only:
                    self._decide(down, STALE, f"{why}; --resume reruns it")
                    work.append(down)  # final in this run, as it is
                else:
                    self._decide(down, PENDING, f"rerun: {why}")

    def _inputs_final(self, name: str) -> bool:
        """Every input of ``name`` holds its last result of this run."""
        return all(
            self._status[up] in (*_INPUT_SETTLED, STALE) and up not in self._provisional
            for up in self._steps[name].upstream
        )

    def _not_run(self, reason: str) -> None:
        for name in self._names:
            if self._status[name] == PENDING:
                self._decide(name, NOT_RUN, reason)

    def _decide(self, name: str, status: str, reason: str | None = None) -> None:
        self._status[name] = status
        self._report(Change(name, status, reason))

    def _mark_dirty(self, name: str) -> None:
        if name not in self._dirty:
            self._dirty.add(name)
            heapq.heappush(self._queue, self._position[name])
