"""Workflows whose steps need the offline test wheels (:mod:`tests.runtime.offline_envs`)."""

from __future__ import annotations

from axl import Workflow, step


class NeedsProbe(Workflow):
    """One step that imports the probe wheel, one that needs another wheel besides."""

    name = "needs-probe"
    requirements = ["axl_env_probe==1.0"]

    @step
    def probe(self) -> int:
        import axl_env_probe

        return int(axl_env_probe.VALUE)

    @step(packages=["axl_env_other"])
    def other(self, probe: int) -> str:
        import axl_env_other

        return f"{axl_env_other.NAME} {probe}"


class WarmProbe(NeedsProbe):
    """The same, with a warm step."""

    name = "warm-probe"
    warm_env = True
