"""The cache key: which parts each change touches, and what it leaves out."""

from __future__ import annotations

import time
from dataclasses import replace

from axl import Secret, Workflow, step
from axl.ir import build_ir
from axl.manifest import Manifest, ManifestInput, ManifestOutput, StepCache
from axl.planning.cache import CacheSettings, step_cache
from axl.runtime.cache_key import PART_NAMES, cache_key

CODE = "blake3:" + "a" * 64
BASE = Manifest(
    workflow="flow:Flow",
    step="train",
    run_id="run-1",
    params={"lr": 0.1},
    inputs=(
        ManifestInput(
            name="data", path="/runs/run-1/load/output.pkl", handler="pickle", ref="load"
        ),
    ),  # fmt: skip
    outputs=(ManifestOutput(path="/runs/run-1/train/output.pkl", handler="pickle"),),
    env={"MODE": "fast"},
    cache=StepCache(
        store="/cache",
        code=CODE,
        environment={"lock": "blake3:" + "b" * 64},
        secrets=("TOKEN=api/key",),
        handlers={"pickle": "1"},
    ),  # fmt: skip
)
DATA = {"data": "blake3:" + "c" * 64}


def changed(other: Manifest, digests: dict[str, str] = DATA) -> set[str]:
    before, after = cache_key(BASE, DATA), cache_key(other, digests)
    assert (before.key == after.key) == (before.digests == after.digests)
    return {name for name in PART_NAMES if before.digests[name] != after.digests[name]}


def test_each_change_touches_its_own_part():
    assert changed(BASE) == set()
    assert changed(replace(BASE, params={"lr": 0.2})) == {"params"}
    assert changed(BASE, {"data": "blake3:" + "d" * 64}) == {"inputs"}
    assert changed(replace(BASE, env={"MODE": "slow"})) == {"env"}
    cache = BASE.cache
    assert cache is not None
    assert changed(replace(BASE, cache=replace(cache, code="blake3:" + "e" * 64))) == {"code"}
    lock = replace(cache, environment={"lock": "blake3:" + "f" * 64})
    assert changed(replace(BASE, cache=lock)) == {"environment"}
    assert changed(replace(BASE, cache=replace(cache, secrets=("TOKEN=other/key",)))) == {"env"}
    handler = replace(cache, handlers={"pickle": "2"})
    assert changed(replace(BASE, cache=handler)) == {"inputs", "outputs"}


def test_run_ids_paths_and_the_store_are_not_in_the_key():
    cache = BASE.cache
    assert cache is not None
    moved = replace(
        BASE,
        run_id="run-2",
        inputs=(replace(BASE.inputs[0], path="/elsewhere/load/output.pkl"),),
        outputs=(replace(BASE.outputs[0], path="/elsewhere/train/output.pkl"),),
        cache=replace(cache, store="s3://bucket/cache"),
    )
    assert changed(moved) == set()


def test_a_key_is_cheap():
    start = time.perf_counter()
    for _ in range(1000):
        cache_key(BASE, DATA)
    assert (time.perf_counter() - start) / 1000 < 0.001


class Baked(Workflow):
    image = "registry.example/ml/train@sha256:" + "1" * 64
    env = {"TOKEN": Secret("api", "key")}

    @step(cache=True)
    def train(self) -> int:
        return 1


def _environment(image: str | None, images: bool = True) -> dict[str, str]:
    ir = build_ir(Baked)
    if image is not None:
        ir = ir.replace(image=image)
    settings = CacheSettings(store="/c", code=CODE, lock={"lock": "blake3:" + "b" * 64},
                             images=images)  # fmt: skip
    section = step_cache(ir, ir.get_node("train"), settings)
    assert section is not None and section.secrets == ("TOKEN=api/key",)
    return section.environment


def test_an_image_keys_by_its_digest_never_by_a_tag():
    pinned = _environment(None)
    assert pinned == {"image": Baked.image}
    other = _environment("registry.example/ml/train@sha256:" + "2" * 64)
    assert other != pinned
    assert _environment("registry.example/ml/train:1.4") == {"lock": "blake3:" + "b" * 64}
    assert _environment(None, images=False) == {"lock": "blake3:" + "b" * 64}  # a local run
    cache = BASE.cache
    assert cache is not None
    baked = replace(BASE, cache=replace(cache, environment=pinned))
    rebaked = replace(BASE, cache=replace(cache, environment=other))
    assert (
        cache_key(baked, DATA).digests["environment"]
        != cache_key(rebaked, DATA).digests["environment"]
    )
    assert changed(rebaked) == {"environment"}
