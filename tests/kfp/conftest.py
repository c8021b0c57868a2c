"""Fixtures of the kfp tests."""

from tests.compile_cli import app  # noqa: F401 (the `axl compile` app fixture)
from tests.kfp.kfp_api_server import kfp_api_server  # noqa: F401 (a double of the KFP API)
