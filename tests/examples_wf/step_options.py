"""Step options that reach the pod: retries, resources, GPUs, env and secrets, timeouts, images."""

from __future__ import annotations

from axl import Resources, Retry, Secret, Workflow, step


class StepOptions(Workflow):
    name = "step-options"
    image = "registry.example.com/team/ml:2.1"
    env = {"LOG_LEVEL": "info", "DB_PASSWORD": Secret("db-credentials", "password")}
    requirements = ("numpy>=1.26",)

    @step(
        retries=Retry(count=3, backoff=2, factor=3, max_backoff=60),
        resources=Resources(cpu="500m", memory="2Gi"),
        timeout="10m",
    )
    def fetch(self) -> list[int]:
        return [1, 2, 3]

    @step(
        resources={"cpu": 4, "memory": "16Gi", "memory_limit": "20Gi", "cpu_limit": 8, "gpu": 2},
        image="registry.example.com/team/ml-gpu:2.1",
        env={"CUDA_VISIBLE_DEVICES": "0,1", "LOG_LEVEL": "debug"},
        packages=["torch>=2.3"],
        timeout=5400.5,
    )
    def train(self, fetch: list[int]) -> dict[str, float]:
        return {"loss": 0.1 * sum(fetch)}

    @step(retries=1, env={"API_TOKEN": Secret("model-registry", "token")}, io_handler="json")
    def register(self, train: dict[str, float]) -> str:
        return f"model with loss {train['loss']:.2f}"
