"""@step and @workflow options: accepted forms and definition-time errors."""

from __future__ import annotations

import pytest

from axl import Resources, Retry, Secret, Workflow, step, workflow
from axl.errors import StepOptionError, WorkflowDefinitionError
from axl.ir import build


def test_bare_and_configured_steps():
    class W(Workflow):
        @step
        def a(self) -> int:
            return 1

        @step(
            resources={"cpu": 0.5, "memory": "1Gi", "gpu": 1},
            retries={"count": 3, "backoff": 2, "factor": 3, "max_backoff": 30},
            env={"MODE": "fast", "TOKEN": Secret("api", "token"), "N": 3},
            packages=["scikit-learn>=1.4"],
            when="a > 0",
            image="ghcr.io/org/img:1",
            cache=True,
            timeout="1h30m",
            io_handler="json",
            input_mode={"a": "path"},
        )
        def b(self, a: int) -> int:
            return a

    node = build(W).ir.get_node("b")
    assert node.resources.cpu == "500m"
    assert node.resources.gpu == 1
    assert node.retries.count == 3 and node.retries.backoff == 2.0
    assert [(e.name, e.value, e.secret.name if e.secret else None) for e in node.env] == [
        ("MODE", "fast", None),
        ("N", "3", None),
        ("TOKEN", None, "api"),
    ]
    assert node.timeout == 5400.0
    assert node.output.handler == "json" and node.output.ext == ".json"
    assert node.inputs[0].mode == "path"
    assert node.cache is True
    assert node.when.text == "a > 0"


@pytest.mark.parametrize(
    ("options", "pattern"),
    [
        ({"retry": 3}, r"step 'f': unknown option 'retry'"),
        ({"retries": -1}, r"step 'f': invalid option retries=-1"),
        ({"retries": "3"}, r"invalid option retries='3'"),
        ({"resources": {"cpu": "lots"}}, r"invalid option resources=.*not a Kubernetes quantity"),
        ({"resources": {"gpus": 1}}, r"unknown key\(s\) 'gpus'"),
        ({"timeout": "soon"}, r"invalid option timeout='soon'"),
        ({"timeout": -5}, r"must be a positive duration"),
        ({"io_handler": "yaml"}, r"invalid option io_handler='yaml'"),
        ({"input_mode": "file"}, r"invalid option input_mode='file'"),
        ({"input_mode": {"nope": "path"}}, r"'nope' is not a parameter of the step"),
        ({"env": {"1BAD": "x"}}, r"not a valid environment variable name"),
        ({"env": {"X": [1]}}, r"value of X must be text"),
        ({"when": "a >>> 1"}, r"invalid option when="),
        ({"when": "a.b > 1"}, r"reads a whole step output"),
        ({"cache": "yes"}, r"invalid option cache='yes': expected True or False"),
        ({"image": "has space"}, r"invalid option image="),
        ({"packages": "numpy"}, r"expected a list of requirement strings"),
    ],
)
def test_invalid_step_options_fail_at_definition(options, pattern):
    with pytest.raises(StepOptionError, match=pattern):

        class W(Workflow):
            @step(**options)
            def f(self, a: int = 1) -> int:
                return 1


def test_option_values_are_objects_too():
    class W(Workflow):
        @step(resources=Resources(cpu="2"), retries=Retry(count=1, backoff=1.5))
        def f(self) -> int:
            return 1

    node = build(W).ir.get_node("f")
    assert node.resources.cpu == "2"
    assert node.retries.backoff == 1.5


def test_retry_delay_backs_off_and_caps():
    r = Retry(count=5, backoff=1, factor=2, max_backoff=5)
    assert [r.delay(i) for i in range(1, 6)] == [1, 2, 4, 5, 5]


def test_variadic_step_is_rejected():
    with pytest.raises(WorkflowDefinitionError, match="parameter 'args' is variadic"):

        class W(Workflow):
            @step
            def f(self, *args):
                return 1


def test_staticmethod_step_is_rejected():
    with pytest.raises(WorkflowDefinitionError, match="@step must decorate a plain method"):

        class W(Workflow):
            @step
            @staticmethod
            def f():
                return 1


def test_reserved_step_name_is_rejected():
    with pytest.raises(WorkflowDefinitionError, match="a step cannot be named 'image'"):

        class W(Workflow):
            @step
            def image(self) -> int:
                return 1


def test_workflow_name_defaults_and_validation():
    class IrisKNNFlow(Workflow):
        @step
        def a(self) -> int:
            return 1

    assert IrisKNNFlow.name == "iris-knn-flow"

    with pytest.raises(StepOptionError, match="name 'Bad Name' must be lower-case"):

        class Bad(Workflow):
            name = "Bad Name"


def test_workflow_options_are_checked():
    with pytest.raises(StepOptionError, match="invalid option io_handler='nope'"):

        class W(Workflow):
            io_handler = "nope"


def test_workflow_decorator_both_forms():
    @workflow(name="plain", image="img:1", env={"A": "1"})
    class Plain:
        @step
        def a(self) -> int:
            return 1

    assert issubclass(Plain, Workflow)
    assert Plain.name == "plain" and Plain.image == "img:1"
    ir = build(Plain).ir
    assert ir.image == "img:1" and ir.env[0].name == "A"

    @workflow
    class Sub(Workflow):
        @step
        def a(self) -> int:
            return 1

    assert Sub.name == "sub"

    @workflow(name="renamed")
    class Named(Workflow):
        @step
        def a(self) -> int:
            return 1

    assert Named.name == "renamed"


def test_workflow_decorator_rejects_unknown_options():
    with pytest.raises(StepOptionError, match="unknown option\\(s\\) colour"):
        workflow(colour="red")


def test_subclass_inherits_and_extends_steps():
    class Base(Workflow):
        @step
        def a(self) -> int:
            return 1

    class Child(Base):
        @step
        def b(self, a: int) -> int:
            return a + 1

    assert list(Child.steps()) == ["a", "b"]
    assert Child.name == "child" and Base.name == "base"


def test_workflow_without_steps_cannot_build():
    class Empty(Workflow):
        pass

    with pytest.raises(WorkflowDefinitionError, match="has no steps"):
        build(Empty)


def test_steps_stay_callable_as_plain_methods():
    class W(Workflow):
        @step
        def a(self) -> int:
            return 41

        @step
        def b(self, a: int) -> int:
            return a + 1

    w = W()
    assert w.b(w.a()) == 42
