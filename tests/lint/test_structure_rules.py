"""Entrypoint, template references and types, volumes, and the CRD's CEL rules."""

from __future__ import annotations

from tests.lint.documents import container, findings, pipeline, task, workflow


def test_workflow_without_entrypoint():
    doc = pipeline()
    del doc["spec"]["entrypoint"]
    assert findings(doc) == [
        ("spec.entrypoint", "entrypoint", "a Workflow needs spec.entrypoint: the template to run")
    ]


def test_entrypoint_that_is_not_a_template():
    doc = pipeline()
    doc["spec"]["entrypoint"] = "mian"
    assert findings(doc) == [
        (
            "spec.entrypoint",
            "entrypoint",
            "entrypoint 'mian' is not a template of this Workflow (did you mean 'main'?)",
        )
    ]


def test_workflow_template_may_omit_the_entrypoint_but_not_misname_it():
    doc = pipeline()
    doc["kind"] = "WorkflowTemplate"
    doc["metadata"] = {"name": "pipeline"}
    del doc["spec"]["entrypoint"]
    assert findings(doc) == []
    doc["spec"]["entrypoint"] = "nope"
    assert findings(doc) == [
        (
            "spec.entrypoint",
            "entrypoint",
            "entrypoint 'nope' is not a template of this WorkflowTemplate",
        )
    ]


def test_workflow_from_a_template_ref_needs_no_templates():
    doc = workflow(workflowTemplateRef={"name": "pipeline"})
    del doc["spec"]["templates"], doc["spec"]["entrypoint"]
    assert findings(doc) == []


def test_task_runs_a_missing_template():
    doc = pipeline()
    task(doc, "report")["template"] = "reporter"
    assert findings(doc) == [
        (
            "spec.templates[0].dag.tasks[2].template",
            "template-ref",
            "task 'report' runs template 'reporter', which is not defined (did you mean 'report'?)",
        )
    ]


def test_on_exit_and_hooks_run_existing_templates():
    doc = pipeline()
    doc["spec"]["onExit"] = "cleanup"
    doc["spec"]["hooks"] = {"running": {"template": "notify", "expression": "true"}}
    task(doc, "report")["hooks"] = {"exit": {"template": "reprt"}}
    assert findings(doc) == [
        (
            "spec.onExit",
            "template-ref",
            "spec.onExit runs template 'cleanup', which is not defined",
        ),
        (
            "spec.templates[0].dag.tasks[2].hooks.exit.template",
            "template-ref",
            "task 'report' hook 'exit' runs template 'reprt', which is not defined "
            "(did you mean 'report'?)",
        ),
        (
            "spec.hooks.running.template",
            "template-ref",
            "workflow hook 'running' runs template 'notify', which is not defined",
        ),
    ]


def test_task_with_no_template_or_two():
    doc = pipeline()
    del task(doc, "report")["template"]
    task(doc, "produce")["templateRef"] = {"name": "lib", "template": "produce"}
    assert findings(doc) == [
        (
            "spec.templates[0].dag.tasks[0]",
            "template-ref",
            "task 'produce' sets template and templateRef; keep one",
        ),
        (
            "spec.templates[0].dag.tasks[2]",
            "template-ref",
            "task 'report' runs no template: set template, templateRef or inline",
        ),
    ]


def test_template_types():
    doc = pipeline()
    doc["spec"]["templates"][3]["script"] = {"image": "python", "source": "print(1)"}
    doc["spec"]["templates"].append({"name": "empty"})
    assert findings(doc) == [
        (
            "spec.templates[3]",
            "template-type",
            "template 'report' has 2 types (container, script); keep one",
        ),
        (
            "spec.templates[4]",
            "template-type",
            "template 'empty' has no type: give it one of container, containerSet, script, "
            "resource, dag, steps, suspend, data, http, plugin",
        ),
    ]


def test_timeout_only_on_leaf_templates():
    doc = pipeline()
    doc["spec"]["templates"][0]["timeout"] = "1h"
    doc["spec"]["templates"][3]["timeout"] = "1h"
    assert findings(doc) == [
        (
            "spec.templates[0].timeout",
            "leaf-only",
            "timeout applies to leaf templates only, not to dag templates; set it on the "
            "templates the tasks run",
        )
    ]


def test_volume_mounts_need_a_declared_volume():
    doc = pipeline()
    doc["spec"]["templates"][3]["container"]["volumeMounts"] = [
        {"name": "work", "mountPath": "/work"},
        {"name": "cache", "mountPath": "/cache"},
        {"name": "own", "mountPath": "/own"},
    ]
    doc["spec"]["volumeClaimTemplates"] = [
        {"metadata": {"name": "work"}, "spec": {"accessModes": ["ReadWriteOnce"]}}
    ]
    doc["spec"]["templates"][3]["volumes"] = [{"name": "own", "emptyDir": {}}]
    assert findings(doc) == [
        (
            "spec.templates[3].container.volumeMounts[1].name",
            "volume-mount",
            "volume 'cache' is mounted but not declared in spec.volumes, "
            "spec.volumeClaimTemplates or the template 'report''s volumes",
        )
    ]


def test_one_artifact_location():
    doc = pipeline()
    doc["spec"]["templates"][1]["outputs"]["artifacts"][0]["s3"] = {"key": "a"}
    doc["spec"]["templates"][1]["outputs"]["artifacts"][0]["gcs"] = {"key": "a"}
    assert findings(doc) == [
        (
            "spec.templates[1].outputs.artifacts[0]",
            "artifact-location",
            "artifact sets 2 locations (s3, gcs); keep one",
        )
    ]


def test_with_sequence_count_or_end():
    doc = pipeline()
    task(doc, "report")["withSequence"] = {"count": "3", "end": "5"}
    assert findings(doc) == [
        (
            "spec.templates[0].dag.tasks[2].withSequence",
            "with-sequence",
            "task 'report': withSequence sets both count and end; keep one",
        )
    ]


def test_resource_manifest_or_manifest_from():
    doc = workflow(
        {
            "name": "main",
            "resource": {
                "action": "create",
                "manifest": "kind: ConfigMap",
                "manifestFrom": {"artifact": {"name": "m"}},
            },
        }
    )
    assert findings(doc) == [
        (
            "spec.templates[0].resource",
            "resource-manifest",
            "template 'main' sets both manifest and manifestFrom; keep one",
        )
    ]


def test_realtime_gauge_without_resources_duration():
    gauge = {"realtime": True, "value": "{{resourcesDuration.cpu}}"}
    doc = workflow(
        container("main", metrics={"prometheus": [{"name": "g", "help": "h", "gauge": gauge}]})
    )
    assert findings(doc) == [
        (
            "spec.templates[0].metrics.prometheus[0].gauge",
            "realtime-gauge",
            "a real-time gauge cannot use resourcesDuration.* metrics",
        )
    ]


def test_one_loop_per_task():
    doc = pipeline()
    task(doc, "report")["withItems"] = [1, 2]
    task(doc, "report")["withParam"] = "{{workflow.parameters.greeting}}"
    assert findings(doc) == [
        (
            "spec.templates[0].dag.tasks[2]",
            "with-items",
            "task 'report' sets withItems and withParam; Argo allows only one of them",
        )
    ]


def test_template_ref_needs_a_name_and_a_template():
    doc = pipeline()
    report = task(doc, "report")
    del report["template"]
    report["templateRef"] = {"name": "library"}
    assert findings(doc) == [
        (
            "spec.templates[0].dag.tasks[2].templateRef.template",
            "template-ref",
            "task 'report': templateRef needs a template",
        )
    ]
