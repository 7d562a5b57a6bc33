"""GitHub Actions workflows and composite actions read with line numbers (PyYAML's node tree, no objects)."""
from __future__ import annotations

import dataclasses

import yaml


@dataclasses.dataclass(frozen=True)
class Value:
    text: str
    line: int  # head-file line of the value's first line of content

    def line_of(self, offset: int) -> int:
        return self.line + offset


@dataclasses.dataclass(frozen=True)
class Step:
    job: str
    index: int
    name: str | None
    uses: Value | None
    run: Value | None
    with_: dict[str, Value]
    env: dict[str, str]
    line: int

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        if self.uses:
            return self.uses.text
        return f"step {self.index + 1} of job {self.job}"


@dataclasses.dataclass(frozen=True)
class Job:
    name: str
    env: dict[str, str]
    steps: tuple[Step, ...]
    line: int


@dataclasses.dataclass(frozen=True)
class Workflow:
    triggers: dict[str, int]  # event -> line
    env: dict[str, str]
    jobs: tuple[Job, ...]
    on_line: int

    def steps(self):
        for job in self.jobs:
            yield from job.steps

    def env_for(self, step: Step) -> dict[str, str]:
        job = next(j for j in self.jobs if j.name == step.job)
        return {**self.env, **job.env, **step.env}


def _line(node) -> int:
    return node.start_mark.line + 1


def _scalar(node) -> Value | None:
    if not isinstance(node, yaml.ScalarNode):
        return None
    # A block scalar ("run: |") starts on the line after its indicator.
    first = _line(node) + (1 if node.style in ("|", ">") else 0)
    return Value(str(node.value), first)


def _mapping(node) -> dict[str, object]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): v for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def _keys_with_lines(node) -> dict[str, int]:
    if isinstance(node, yaml.MappingNode):
        return {str(k.value): _line(k) for k, _ in node.value if isinstance(k, yaml.ScalarNode)}
    if isinstance(node, yaml.SequenceNode):
        return {str(n.value): _line(n) for n in node.value if isinstance(n, yaml.ScalarNode)}
    if isinstance(node, yaml.ScalarNode):
        return {str(node.value): _line(node)}
    return {}


def _env(node) -> dict[str, str]:
    return {name: value.text for name, n in _mapping(node).items() if (value := _scalar(n)) is not None}


def _steps(job: str, node) -> tuple[Step, ...]:
    if not isinstance(node, yaml.SequenceNode):
        return ()
    steps = []
    for index, step_node in enumerate(node.value):
        fields = _mapping(step_node)
        name = _scalar(fields.get("name")) if "name" in fields else None
        with_ = {k: v for k, n in _mapping(fields.get("with")).items() if (v := _scalar(n)) is not None}
        steps.append(Step(job, index, name.text if name else None,
                          _scalar(fields["uses"]) if "uses" in fields else None,
                          _scalar(fields["run"]) if "run" in fields else None, with_, _env(fields.get("env")),
                          _line(step_node)))
    return tuple(steps)


def parse(text: str | None) -> Workflow | None:
    """The workflow or composite action in ``text``; None when it is not one or does not parse."""
    if not text:
        return None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    top = _mapping(root)
    if not top:
        return None
    on_node = top.get("on", top.get("true"))  # YAML 1.1 reads a bare `on` key as the boolean true
    jobs = tuple(Job(name, _env(_mapping(node).get("env")), _steps(name, _mapping(node).get("steps")),
                     _line(node)) for name, node in _mapping(top.get("jobs")).items())
    runs = _mapping(top.get("runs"))
    if "steps" in runs:  # a composite action: its steps run in the calling job
        jobs += (Job("(action)", {}, _steps("(action)", runs["steps"]), _line(runs["steps"])),)
    if on_node is None and not jobs:
        return None
    return Workflow(_keys_with_lines(on_node) if on_node is not None else {}, _env(top.get("env")), jobs,
                    _line(on_node) if on_node is not None else 1)
