"""The compiler's proto-to-JSON walk gives exactly what ``json_format.MessageToDict`` gives."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from google.protobuf import json_format
from kfp.pipeline_spec import pipeline_spec_pb2

from axl.compiler.kfp.proto_json import message_to_dict

GOLDEN = Path(__file__).resolve().parents[2] / "tests" / "golden" / "kfp"


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.yaml")), ids=lambda p: p.name)
def test_every_golden_pipeline_converts_as_protobuf_does(path: Path):
    spec, *platforms = yaml.safe_load_all(path.read_text(encoding="utf-8"))
    message = json_format.ParseDict(spec, pipeline_spec_pb2.PipelineSpec())
    assert message_to_dict(message) == json_format.MessageToDict(message)
    for executor in spec["deploymentSpec"]["executors"].values():  # not inside the Struct
        parsed = json_format.ParseDict(
            executor, pipeline_spec_pb2.PipelineDeploymentConfig.ExecutorSpec()
        )
        assert message_to_dict(parsed) == json_format.MessageToDict(parsed) == executor
    for platform in platforms:
        parsed = json_format.ParseDict(platform, pipeline_spec_pb2.PlatformSpec())
        assert message_to_dict(parsed) == json_format.MessageToDict(parsed)


def test_what_it_does_not_convert_itself_is_protobufs_own():
    task = pipeline_spec_pb2.PipelineTaskSpec()
    task.retry_policy.max_retry_count = 3
    task.retry_policy.backoff_factor = 1.5  # a double: the whole message goes to protobuf
    task.retry_policy.backoff_duration.FromMilliseconds(1500)  # a Duration: protobuf's form
    task.task_info.name = "fit"
    task.inputs.parameters["k"].runtime_value.constant.number_value = 2  # a Value
    expected = json_format.MessageToDict(task)
    assert message_to_dict(task) == expected
    assert expected["retryPolicy"]["backoffDuration"] == "1.500s"
