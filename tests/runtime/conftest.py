"""Fixtures of the runtime tests."""

from tests.runtime.offline_envs import offline_uv

__all__ = ["offline_uv"]
