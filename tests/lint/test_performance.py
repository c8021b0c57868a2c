"""Linting is fast enough to run on every compile: 2,000 tasks well under a second here."""

from __future__ import annotations

import time

from axl.compiler.lint import lint_document
from tests.lint.documents import big_workflow, pipeline

# Generous bounds so a busy machine does not fail the test; typical times are ~0.4 s and ~0.2 s.
BIG_BOUND_S = 2.0
MANY_BOUND_S = 1.0


def test_two_thousand_tasks():
    doc = big_workflow(2000)
    lint_document(pipeline())  # loads and compiles the schemas once
    start = time.perf_counter()
    found = lint_document(doc)
    elapsed = time.perf_counter() - start
    assert [f.rule for f in found] == ["crd-limit", "crd-limit"]
    assert elapsed < BIG_BOUND_S, f"linting 2,000 tasks took {elapsed:.2f} s"


def test_a_hundred_small_documents_reuse_the_compiled_schemas():
    docs = [pipeline() for _ in range(100)]
    lint_document(docs[0])
    start = time.perf_counter()
    assert all(lint_document(doc) == [] for doc in docs)
    elapsed = time.perf_counter() - start
    assert elapsed < MANY_BOUND_S, f"linting 100 documents took {elapsed:.2f} s"
