"""``axl compile --code-bucket``: archive, content-addressed upload, and the code artifact in the YAML.

Every command runs in a fresh process from a copy of the external example
project outside axl's tree, as a user runs it; S3 is a moto server.
"""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from axl.compiler.argo.checks import lint
from tests.argo.helpers import runner_call
from tests.argo_e2e.fixtures import axl_cli
from tests.code_delivery.helpers import (
    REF,
    TARGET,
    axl_text,
    code_artifacts,
    compile_project,
    load_yaml,
)
from tests.containers.podman import ROOT
from tests.fixtures.s3 import S3Bucket

COMPILE = ("compile", "-m", TARGET, "--target", "argo", "--out", "wf.yaml")


def objects(bucket: S3Bucket) -> list[str]:
    listing = bucket.client.list_objects_v2(Bucket=bucket.name)
    return sorted(item["Key"] for item in listing.get("Contents", []))


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--workflow-path", "."),
        ("--s3-endpoint", "http://127.0.0.1:9"),
        ("--artifact-endpoint", "minio:9000"),
        ("--s3-secret", "minio-creds"),
        ("--no-upload", None),
        ("--exclude", "data/"),
    ],
)
def test_code_flags_need_a_code_bucket(external_repo, flag, value):
    report = axl_cli(*COMPILE, flag, *([value] if value else []), cwd=external_repo)
    assert report["exit_code"] == 2
    assert report["error"]["message"] == f"{flag} needs --code-bucket"
    assert not (external_repo / "wf.yaml").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--code-bucket", "s3://b-1/code", "--s3-secret", "creds"),
            "--s3-secret needs --artifact-endpoint",
        ),
        (("--code-bucket", "bucket/code"), "bucket URI 'bucket/code' does not start with s3://"),
        (
            ("--code-bucket", "s3://b-1/code", "--artifact-endpoint", "http://minio:9000/path"),
            "--artifact-endpoint 'http://minio:9000/path' is not an S3 endpoint",
        ),
        (
            ("--code-bucket", "s3://b-1/code", "--artifact-endpoint", "ftp://minio"),
            "--artifact-endpoint 'ftp://minio' is not an S3 endpoint",
        ),
        (
            ("--code-bucket", "s3://b-1/code", "--artifact-endpoint", "http://key:secret@minio"),
            "is not an S3 endpoint",
        ),
    ],
)
def test_bad_code_options_are_usage_errors(external_repo, args, message):
    report = axl_cli(*COMPILE, *args, cwd=external_repo)
    assert report["exit_code"] == 2, report
    assert message in report["error"]["message"]
    assert not (external_repo / "wf.yaml").exists()
    assert not (external_repo / ".axl").exists()


def test_no_upload_needs_an_output_file(external_repo):
    result = axl_text(
        "compile", "-m", TARGET, "--target", "argo", "--code-bucket", "s3://b-1/code", "--no-upload",
        cwd=external_repo,
    )  # fmt: skip
    assert result.returncode == 2
    assert "--no-upload writes the archive next to the YAML" in result.stderr


def test_uploads_once_and_wires_the_archive_into_every_step(external_repo, s3_bucket):
    report = compile_project(external_repo, s3_bucket)
    assert report["exit_code"] == 0, report
    code = report["code"]
    key = f"code/code-{code['digest'].removeprefix('blake3:')[:16]}.tar.gz"
    assert code["key"] == key
    assert code["uri"] == f"s3://{s3_bucket.name}/{key}"
    assert (code["uploaded"], code["workflow"], code["bucket"]) == (True, REF, s3_bucket.name)
    archive = external_repo / code["archive"]
    assert archive.parent == external_repo / ".axl" / "archives"
    stored = s3_bucket.client.get_object(Bucket=s3_bucket.name, Key=key)
    assert stored["Body"].read() == archive.read_bytes()
    assert stored["Metadata"] == {"blake3": code["digest"].removeprefix("blake3:")}
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "src/wordstats/flow.py" in names
    assert not [n for n in names if n.startswith(("deploy/", ".axl/"))]

    doc = load_yaml(external_repo / "deploy" / "wf.yaml")
    assert code_artifacts(doc) == 3 * [
        {
            "name": "axl-code",
            "path": "/axl/code/code.tar.gz",
            "archive": {"none": {}},
            "s3": {"key": key},
        }
    ]
    for template in doc["spec"]["templates"][1:]:
        _, manifest = runner_call(template)
        assert manifest.workflow == REF
        assert (manifest.code.path, manifest.code.digest) == (
            "/axl/code/code.tar.gz",
            code["digest"],
        )
    assert lint(doc) == []


def test_unchanged_code_is_not_uploaded_again_and_gives_the_same_yaml(external_repo, s3_bucket):
    first = compile_project(external_repo, s3_bucket)
    yaml_bytes = (external_repo / "deploy" / "wf.yaml").read_bytes()
    again = compile_project(external_repo, s3_bucket)
    assert (first["code"]["uploaded"], again["code"]["uploaded"]) == (True, False)
    assert again["code"]["key"] == first["code"]["key"]
    assert (external_repo / "deploy" / "wf.yaml").read_bytes() == yaml_bytes
    assert objects(s3_bucket) == [first["code"]["key"]]
    text = axl_text(
        "compile", "-m", TARGET, "--target", "argo", "--out", "deploy/wf.yaml",
        "--code-bucket", f"s3://{s3_bucket.name}/code", "--s3-endpoint", s3_bucket.endpoint_url,
        cwd=external_repo,
    )  # fmt: skip
    assert text.returncode == 0, text.stderr
    assert f"already in {first['code']['uri']} (same content): not uploaded again" in text.stdout


def test_a_step_change_gives_a_new_key_and_hash(external_repo, s3_bucket):
    first = compile_project(external_repo, s3_bucket)
    flow = external_repo / "src" / "wordstats" / "flow.py"
    flow.write_text(
        flow.read_text().replace(
            "return text.words(self.document)", "return text.words(self.document)[:5]"
        )
    )
    second = compile_project(external_repo, s3_bucket)
    assert second["code"]["uploaded"] is True
    assert second["code"]["key"] != first["code"]["key"]
    assert second["hash"] != first["hash"]
    assert objects(s3_bucket) == sorted([first["code"]["key"], second["code"]["key"]])


def test_a_helper_module_change_gives_a_new_key_the_workflow_hash_stays(external_repo, s3_bucket):
    first = compile_project(external_repo, s3_bucket)
    stats = external_repo / "src" / "wordstats" / "stats.py"
    stats.write_text(stats.read_text().replace('"is"}', '"is", "are"}'))
    second = compile_project(external_repo, s3_bucket)
    assert second["code"]["key"] != first["code"]["key"]
    assert second["hash"] == first["hash"]


def test_hash_labels_and_ref_are_the_workflows(external_repo, s3_bucket):
    shipped = compile_project(external_repo, s3_bucket)
    plain = axl_cli(*COMPILE, cwd=external_repo)
    assert shipped["hash"] == plain["hash"]
    with_code, without = (
        load_yaml(external_repo / "deploy" / "wf.yaml"),
        load_yaml(external_repo / "wf.yaml"),
    )
    assert with_code["metadata"] == without["metadata"]
    assert with_code["metadata"]["annotations"]["axl.dev/ref"] == REF


def test_no_upload_writes_the_archive_next_to_the_yaml_and_names_its_key(external_repo, s3_bucket):
    result = axl_text(
        "compile", "-m", TARGET, "--target", "argo", "--out", "deploy/wf.yaml", "--no-upload",
        "--code-bucket", f"s3://{s3_bucket.name}/team/code", cwd=external_repo,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (archive,) = (external_repo / "deploy").glob("code-*.tar.gz")
    uri = f"s3://{s3_bucket.name}/team/code/{archive.name}"
    assert f"not uploaded: upload it to {uri} before submitting" in result.stdout
    assert f"  aws s3 cp deploy/{archive.name} {uri}\n" in result.stdout
    assert objects(s3_bucket) == []
    (artifact, *_) = code_artifacts(load_yaml(external_repo / "deploy" / "wf.yaml"))
    assert artifact["s3"] == {"key": f"team/code/{archive.name}"}
    report = axl_cli(
        "compile", "-m", TARGET, "--target", "argo", "--out", "deploy/wf.yaml", "--no-upload",
        "--code-bucket", f"s3://{s3_bucket.name}/team/code", cwd=external_repo,
    )  # fmt: skip
    assert report["code"]["uploaded"] is None
    assert Path(report["code"]["archive"]) == Path("deploy") / archive.name


def test_an_artifact_endpoint_makes_the_artifact_self_contained_without_credentials(
    external_repo, s3_bucket
):
    report = compile_project(
        external_repo, s3_bucket, "--artifact-endpoint", "http://minio.minio:9000",
        "--s3-secret", "minio-creds",
    )  # fmt: skip
    assert report["exit_code"] == 0, report
    text = (external_repo / "deploy" / "wf.yaml").read_text()
    (artifact, *_) = code_artifacts(load_yaml(external_repo / "deploy" / "wf.yaml"))
    assert artifact["s3"] == {
        "key": report["code"]["key"],
        "bucket": s3_bucket.name,
        "endpoint": "minio.minio:9000",
        "insecure": True,
        "accessKeySecret": {"name": "minio-creds", "key": "accessKey"},
        "secretKeySecret": {"name": "minio-creds", "key": "secretKey"},
    }
    for value in s3_bucket.server.env.values():
        if value.startswith("axl-test-"):
            assert value not in text


def test_https_and_bare_endpoints(external_repo, s3_bucket):
    for endpoint, expected in [("https://s3.example.com", {}), ("minio:9000", {})]:
        report = compile_project(external_repo, s3_bucket, "--artifact-endpoint", endpoint)
        assert report["exit_code"] == 0, report
        (artifact, *_) = code_artifacts(load_yaml(external_repo / "deploy" / "wf.yaml"))
        assert artifact["s3"] == {
            "key": report["code"]["key"],
            "bucket": s3_bucket.name,
            "endpoint": endpoint.removeprefix("https://"),
            **expected,
        }


def test_an_unreachable_endpoint_is_an_infrastructure_error_and_writes_no_yaml(
    external_repo, s3_env
):
    report = compile_project_to(external_repo, "http://127.0.0.1:9")
    assert report["exit_code"] == 4, report
    assert "is unreachable" in report["error"]["message"]
    assert not (external_repo / "deploy" / "wf.yaml").exists()


def compile_project_to(project: Path, endpoint: str) -> dict:
    return axl_cli(
        "compile", "-m", TARGET, "--target", "argo", "--out", "deploy/wf.yaml",
        "--code-bucket", "s3://nowhere/code", "--s3-endpoint", endpoint, cwd=project,
    )  # fmt: skip


def test_the_cli_writes_the_golden_file_of_the_code_archive_mode(external_repo):
    """tests/golden/argo/word-stats-code.yaml, but for the archive's real digest."""
    report = axl_cli(
        "compile", "-m", TARGET, "--target", "argo", "--out", "deploy/wf.yaml", "--no-upload",
        "--code-bucket", "s3://axl/axl/code", cwd=external_repo,
    )  # fmt: skip
    assert report["exit_code"] == 0, report
    digest = report["code"]["digest"]
    text = (external_repo / "deploy" / "wf.yaml").read_text(encoding="utf-8")
    text = text.replace(digest, "blake3:0123456789abcdef" + "0" * 48)
    text = text.replace(f"code-{digest.removeprefix('blake3:')[:16]}", "code-0123456789abcdef")
    assert text == (ROOT / "tests" / "golden" / "argo" / "word-stats-code.yaml").read_text()
