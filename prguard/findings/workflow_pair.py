"""One changed workflow or action file, parsed at the base and at the head commit."""
from __future__ import annotations

import dataclasses
from typing import Iterator

from prguard.findings import workflow_yaml
from prguard.findings.content import ChangedFile, Content
from prguard.findings.places import is_actions_file


@dataclasses.dataclass(frozen=True)
class WorkflowPair:
    path: str
    file: ChangedFile
    base: workflow_yaml.Workflow | None
    head: workflow_yaml.Workflow | None
    head_known: bool  # the head text was available (fetched, or the whole file was in the patch)

    @property
    def added(self) -> bool:
        return self.file.status == "added"


def pairs(content: Content) -> Iterator[WorkflowPair]:
    for file in content.files:
        if not is_actions_file(file.path) or file.status == "removed":
            continue
        head_text = content.head_text(file.path)
        yield WorkflowPair(file.path, file, workflow_yaml.parse(content.base_text(file.path)),
                           workflow_yaml.parse(head_text), head_text is not None)
