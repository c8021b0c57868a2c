"""The digest format every part of axl writes: ``blake3:<64 hex digits>``."""

from __future__ import annotations

import pytest
from blake3 import blake3

from axl.digests import DIGEST_PREFIX, digest_hex, format_digest, short_digest
from axl.ir import IRWorkflow
from axl.manifest import archive_digest_hex
from tests.argo.helpers import Diamond, ir_of

HEX = blake3(b"axl").hexdigest()


def test_a_digest_is_formatted_and_read_back() -> None:
    assert format_digest(HEX) == f"blake3:{HEX}" == DIGEST_PREFIX + HEX
    assert digest_hex(format_digest(HEX)) == HEX
    assert digest_hex(f"  BLAKE3:{HEX.upper()} ".lower()) == HEX
    assert digest_hex(HEX) == HEX
    assert archive_digest_hex is digest_hex


@pytest.mark.parametrize("text", ["", "blake3:", HEX[:-1], HEX + "0", "sha256:" + HEX, "g" * 64])
def test_anything_else_is_no_digest(text: str) -> None:
    assert digest_hex(text) is None


def test_the_short_digest_is_the_ir_hash_label() -> None:
    ir: IRWorkflow = ir_of(Diamond)

    assert short_digest(ir.compute_hash()) == ir.short_hash() == ir.compute_hash()[7:19]
    assert short_digest(HEX, 6) == HEX[:6]
