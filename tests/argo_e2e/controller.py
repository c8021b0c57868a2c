"""A test double of Argo's workflow controller that runs every task's container for real.

``submit(doc, root, executor, ...)`` takes a compiled ``Workflow`` (the
parsed YAML) and plays the controller and its executor for the forms axl's
compiler writes:

- walks the ``main-dag`` DAG, starting each task once its ``depends`` terms are
  decided (up to ``parallelism`` pods at once); a false ``depends`` makes the
  task *Omitted*, a false ``when`` *Skipped* (evaluated as in
  ``tests/argo/pods.py``, after placeholder substitution);
- substitutes ``{{workflow.name}}``, ``{{workflow.parameters.X}}`` and
  ``{{tasks.T.outputs.parameters.P}}`` in ``when`` and in the container args;
- places input artifacts at their declared paths: an upstream task's output
  artifact (``from``) as a copy of it, an ``s3`` artifact (the code archive)
  downloaded by :class:`~tests.argo_e2e.artifacts.ArtifactDriver` and kept as
  the file it is (``archive: none``); all mounted read-only;
- mounts a writable folder at the parent of every output path and a shared
  folder for each ``volumeMounts`` volume of ``volumeClaimTemplates``;
- resolves ``env`` (``secretKeyRef`` from the test's Secrets);
- runs the container's exact ``command`` + ``args`` with the executor
  (podman in the template's image, or the host fallback), retrying up to
  ``retryStrategy.limit`` times (backoff is not waited for), with
  ``activeDeadlineSeconds`` as the timeout;
- after success, reads output parameters from ``valueFrom.path`` and keeps
  each output artifact (which must exist, as Argo requires) for the tasks
  that take it.

It is a test double: no Kubernetes objects, no artifact tarballs, and only
the template fields the compiler writes (anything else fails loudly).
"""

from __future__ import annotations

import posixpath
import re
import shutil
import time
from collections.abc import Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.argo.pods import _DEPENDS_TERM, _evaluate, _substitute
from tests.argo_e2e.artifacts import ArtifactDriver
from tests.argo_e2e.executors import Executor, PodSpec, host_path

DEFAULT_TIMEOUT = 300.0
_FROM = re.compile(r"\{\{tasks\.([^.{}]+)\.outputs\.artifacts\.([^.{}]+)\}\}")
_CONTAINER_FIELDS = {"image", "command", "args", "env", "resources", "volumeMounts"}
_TEMPLATE_FIELDS = {
    "name",
    "container",
    "inputs",
    "outputs",
    "retryStrategy",
    "activeDeadlineSeconds",
}


@dataclass
class TaskResult:
    """What happened to one DAG task."""

    phase: str
    attempts: int = 0
    exit_code: int | None = None
    seconds: float = 0.0
    stderr: str = ""
    message: str = ""
    parameters: dict[str, str] = field(default_factory=dict)
    artifacts: dict[str, Path] = field(default_factory=dict)


@dataclass
class WorkflowRun:
    """A submitted workflow: its name, where its files are, and each task's result."""

    name: str
    root: Path
    executor: str
    tasks: dict[str, TaskResult] = field(default_factory=dict)

    @property
    def phases(self) -> dict[str, str]:
        return {name: result.phase for name, result in self.tasks.items()}

    @property
    def succeeded(self) -> bool:
        """No task failed (skipped and omitted tasks are fine, as in Argo)."""
        return all(result.phase != "Failed" for result in self.tasks.values())

    def artifact(self, task: str, name: str = "output") -> Path:
        """The folder (or file) an output artifact of ``task`` was collected to."""
        return self.tasks[task].artifacts[name]

    def report(self) -> str:
        """One line per task, with the tail of the log of failed ones."""
        lines = [f"workflow {self.name} on {self.executor}:"]
        for name, result in self.tasks.items():
            lines.append(
                f"  {name}: {result.phase} (attempts {result.attempts}, exit {result.exit_code}, "
                f"{result.seconds:.2f} s) {result.message}"
            )
            if result.phase == "Failed":
                lines += [f"    | {line}" for line in result.stderr.strip().splitlines()[-15:]]
        return "\n".join(lines)


def submit(
    doc: Mapping[str, Any],
    root: Path,
    executor: Executor,
    *,
    params: Mapping[str, str] | None = None,
    driver: ArtifactDriver | None = None,
    parallelism: int = 2,
    name: str | None = None,
) -> WorkflowRun:
    """Run every task of the ``Workflow`` ``doc``; ``params`` are ``argo submit -p`` values."""
    assert doc["kind"] == "Workflow", "submit a Workflow (a WorkflowTemplate is not run)"
    spec = doc["spec"]
    arguments = {p["name"]: p.get("value") for p in spec.get("arguments", {}).get("parameters", [])}
    unknown = set(params or {}) - set(arguments)
    assert not unknown, f"the workflow has no parameters {sorted(unknown)}"
    arguments.update(params or {})
    missing = [key for key, value in arguments.items() if value is None]
    assert not missing, f"required parameters without value: {missing}"
    run = WorkflowRun(
        name=name or f"{doc['metadata']['generateName']}e2e{time.monotonic_ns() % 100000:05d}",
        root=root,
        executor=executor.description,
    )
    world = _World(spec, run, executor, driver or ArtifactDriver(), dict(arguments))
    world.walk(parallelism)
    return run


class _World:
    """One workflow's state while the controller double walks its DAG."""

    def __init__(
        self,
        spec: Mapping[str, Any],
        run: WorkflowRun,
        executor: Executor,
        driver: ArtifactDriver,
        arguments: dict[str, str],
    ) -> None:
        self.templates = {t["name"]: t for t in spec["templates"]}
        self.tasks = self.templates[spec["entrypoint"]]["dag"]["tasks"]
        self.volumes = {v["metadata"]["name"] for v in spec.get("volumeClaimTemplates", [])}
        self.run, self.executor, self.driver = run, executor, driver
        self.arguments = arguments

    def walk(self, parallelism: int) -> None:
        pending = list(self.tasks)
        running: dict[Future[TaskResult], str] = {}
        with ThreadPoolExecutor(max_workers=parallelism) as pool:
            while pending or running:
                ready = [t for t in pending if self._decided(t)]
                for task in ready:
                    pending.remove(task)
                    phase = self._gate(task)
                    if phase is not None:
                        self.run.tasks[task["name"]] = TaskResult(phase=phase)
                    else:
                        # The scope is read here, not in the pod's thread, while no task ends.
                        future = pool.submit(self._execute, task, self._scope())
                        running[future] = task["name"]
                if not running:
                    # Tasks that ended without a pod may have decided others: look again.
                    assert ready, f"tasks that can never start: {[t['name'] for t in pending]}"
                    continue
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    self.run.tasks[running.pop(future)] = future.result()

    def _decided(self, task: Mapping[str, Any]) -> bool:
        return all(up in self.run.tasks for up in _DEPENDS_TERM.findall(task.get("depends", "")))

    def _scope(self) -> dict[str, str]:
        scope = {"workflow.name": self.run.name}
        scope.update({f"workflow.parameters.{k}": str(v) for k, v in self.arguments.items()})
        for task, result in self.run.tasks.items():
            for key, value in result.parameters.items():
                scope[f"tasks.{task}.outputs.parameters.{key}"] = value
        return scope

    def _gate(self, task: Mapping[str, Any]) -> str | None:
        """``Omitted`` or ``Skipped`` when the task does not run; None when it does."""
        depends = task.get("depends")
        if depends:
            phases = {name: result.phase for name, result in self.run.tasks.items()}
            text = _DEPENDS_TERM.sub(lambda m: str(phases[m[1]] == "Succeeded").lower(), depends)
            if not _evaluate(text):
                return "Omitted"
        if "when" in task and not _evaluate(_substitute(task["when"], self._scope())):
            return "Skipped"
        return None

    def _execute(self, task: Mapping[str, Any], scope: dict[str, str]) -> TaskResult:
        template = self.templates[task["template"]]
        unknown = set(template) - _TEMPLATE_FIELDS | set(template["container"]) - _CONTAINER_FIELDS
        assert not unknown, f"template {template['name']}: the double does not handle {unknown}"
        limit = int(template.get("retryStrategy", {}).get("limit", 0))
        timeout = float(template.get("activeDeadlineSeconds", DEFAULT_TIMEOUT))
        started = time.monotonic()
        result = TaskResult(phase="Pending")
        for attempt in range(limit + 1):
            pod_dir = self.run.root / "pods" / task["name"] / f"attempt-{attempt}"
            result = self._attempt(task, template, pod_dir, scope, timeout)
            result.attempts = attempt + 1
            if result.phase == "Succeeded":
                break
        result.seconds = time.monotonic() - started
        return result

    def _attempt(
        self,
        task: Mapping[str, Any],
        template: Mapping[str, Any],
        pod_dir: Path,
        scope: dict[str, str],
        timeout: float,
    ) -> TaskResult:
        container = template["container"]
        mounts = self._inputs(task, template, pod_dir)
        outputs = template.get("outputs", {})
        paths = [a["path"] for a in outputs.get("artifacts", [])]
        paths += [p["valueFrom"]["path"] for p in outputs.get("parameters", [])]
        for parent in sorted({posixpath.dirname(path) for path in paths}):
            assert parent not in ("/", "/axl"), f"output path under {parent} would hide the image"
            folder = pod_dir / "outputs" / parent.strip("/").replace("/", "_")
            folder.mkdir(parents=True)
            mounts[folder] = parent
        for mount in container.get("volumeMounts", []):
            assert mount["name"] in self.volumes, f"volume {mount['name']} is not declared"
            folder = self.run.root / "volumes" / mount["name"]
            folder.mkdir(parents=True, exist_ok=True)
            mounts[folder] = mount["mountPath"]
        command = [*container["command"], *(_substitute(a, scope) for a in container["args"])]
        pod = PodSpec(
            image=container["image"],
            command=command,
            env=self._env(container.get("env", [])),
            mounts=mounts,
            scratch=pod_dir / "scratch",
            timeout=timeout,
        )
        pod.scratch.mkdir(parents=True)
        process = self.executor.run(pod)
        result = TaskResult(phase="Failed", exit_code=process.returncode, stderr=process.stderr)
        if process.returncode != 0:
            return result
        table = [(target.removesuffix(":ro"), str(host)) for host, target in mounts.items()]
        table.sort(key=lambda pair: len(pair[0]), reverse=True)
        for parameter in outputs.get("parameters", []):
            path = Path(host_path(parameter["valueFrom"]["path"], table))
            result.parameters[parameter["name"]] = path.read_text(encoding="utf-8")
        for artifact in outputs.get("artifacts", []):
            found = Path(host_path(artifact["path"], table))
            if not found.exists():
                result.message = f"output artifact {artifact['name']}: {artifact['path']} not found"
                return result
            kept = self.run.root / "artifacts" / task["name"] / artifact["name"]
            if kept.exists():
                shutil.rmtree(kept)
            shutil.copytree(found, kept) if found.is_dir() else shutil.copy2(found, kept)
            result.artifacts[artifact["name"]] = kept
        result.phase = "Succeeded"
        return result

    def _inputs(
        self, task: Mapping[str, Any], template: Mapping[str, Any], pod_dir: Path
    ) -> dict[Path, str]:
        """Every input artifact placed on the host, mapped to its declared path (read-only)."""
        sources = {a["name"]: a["from"] for a in task.get("arguments", {}).get("artifacts", [])}
        mounts: dict[Path, str] = {}
        for artifact in template.get("inputs", {}).get("artifacts", []):
            name, dest = artifact["name"], pod_dir / "inputs" / artifact["name"]
            if "s3" in artifact:
                assert artifact.get("archive") == {"none": {}}, f"{name}: only unpacked files"
                base = posixpath.basename(artifact["path"])
                placed = self.driver.fetch(artifact["s3"], dest / base)
            else:
                ref = _FROM.fullmatch(sources[name])
                assert ref, f"input artifact {name}: unsupported source {sources[name]}"
                placed = self.run.artifact(ref[1], ref[2])
                shutil.copytree(placed, dest) if placed.is_dir() else shutil.copy2(placed, dest)
                placed = dest
            mounts[placed] = artifact["path"] + ":ro"
        return mounts

    def _env(self, entries: list[Mapping[str, Any]]) -> dict[str, str]:
        env: dict[str, str] = {}
        for entry in entries:
            if "valueFrom" in entry:
                ref = entry["valueFrom"]["secretKeyRef"]
                secret = self.driver.secrets.get(ref["name"], {})
                assert ref["key"] in secret, f"env {entry['name']}: no Secret key {ref}"
                env[entry["name"]] = secret[ref["key"]]
            else:
                env[entry["name"]] = entry.get("value", "")
        return env
