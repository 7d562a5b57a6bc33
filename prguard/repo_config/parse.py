"""Reads `.github/prguard.yml` (attacker-written) into a RepoConfig or a ConfigFileError (line, key)."""
from __future__ import annotations

import dataclasses
import functools
import json
import re
from importlib import resources
from typing import Any

import jsonschema
import yaml

from prguard.config import Settings

CONFIG_PATH = ".github/prguard.yml"
# The file is a handful of settings; anything bigger is a mistake or an attempt to cost us time.
MAX_CONFIG_BYTES = 64 * 1024


class ConfigFileError(ValueError):
    """The file is not a valid configuration: where (line, key) and what was expected there."""

    def __init__(self, line: int, key: str, expected: str):
        super().__init__(f"line {line}, key {key}: expected {expected}")
        self.line, self.key, self.expected = line, key, expected

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "key": self.key, "expected": self.expected}


@dataclasses.dataclass(frozen=True)
class RepoConfig:
    """The settings that judge one repository's pull requests (file values over the service's defaults)."""

    unusual_conclusion: str
    finding_severity: str
    disabled_rules: tuple[str, ...] = ()
    ignore_paths: tuple[str, ...] = ()
    skip_authors: tuple[str, ...] = ()
    trust_authors: tuple[str, ...] = ()
    sensitivity: float = 1.0

    @classmethod
    def from_mapping(cls, values: dict[str, Any], settings: Settings) -> "RepoConfig":
        """``values`` is a validated file's mapping (or {}): keys it leaves out come from ``settings``."""
        lists = {key: tuple(values.get(key) or ()) for key in
                 ("disabled_rules", "ignore_paths", "skip_authors", "trust_authors")}
        return cls(unusual_conclusion=values.get("unusual_conclusion", settings.unusual_conclusion),
                   finding_severity=values.get("finding_severity", settings.finding_severity),
                   sensitivity=float(values.get("sensitivity", 1.0)), **lists)

    def rule_disabled(self, rule_id: str) -> bool:
        """``rule_id`` is a finding's ``source/rule``; the file may leave out ``prguard/``."""
        return rule_id in self.disabled_rules or (
            rule_id.startswith("prguard/") and rule_id.split("/", 1)[1] in self.disabled_rules)

    def ignores(self, path: str) -> bool:
        return any(_glob(pattern).match(path) for pattern in self.ignore_paths)

    def _listed(self, login: str | None, logins: tuple[str, ...]) -> bool:
        # GitHub logins are case-insensitive.
        return bool(login) and login.lower() in (name.lower() for name in logins)

    def skips(self, login: str | None) -> bool:
        return self._listed(login, self.skip_authors)

    def trusts(self, login: str | None) -> bool:
        return self._listed(login, self.trust_authors)


@functools.lru_cache(maxsize=512)
def _glob(pattern: str) -> re.Pattern:
    """``**`` spans directories, ``*`` and ``?`` stay within one; a pattern ending in ``/`` is a directory."""
    pattern = pattern.lstrip("/") + ("**" if pattern.endswith("/") else "")
    parts = []
    for piece in re.split(r"(\*\*/?|\*|\?)", pattern):
        if piece in ("**", "**/"):
            parts.append(".*" if piece == "**" else "(?:.*/)?")
        elif piece == "*":
            parts.append("[^/]*")
        elif piece == "?":
            parts.append("[^/]")
        else:
            parts.append(re.escape(piece))
    return re.compile("".join(parts) + r"\Z", re.DOTALL)


@functools.lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return json.loads(resources.files("prguard.repo_config").joinpath("schema.json").read_text("utf-8"))


def _key_name(path: list[Any]) -> str:
    name = ""
    for part in path:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "(top level)"


def _node_at(root: yaml.Node, path: list[Any]) -> tuple[yaml.Node, yaml.Node | None]:
    """The value node at ``path`` and the key node that names it (None for list items and the root)."""
    node, key_node = root, None
    for part in path:
        if isinstance(node, yaml.MappingNode):
            key_node, node = next(((k, v) for k, v in node.value if k.value == part), (key_node, node))
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
    return node, key_node


def _expected(error: jsonschema.ValidationError) -> str:
    rule = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "enum":
        return "one of " + ", ".join(str(v) for v in rule["enum"])
    if error.validator in ("minimum", "maximum"):
        return f"a number from {rule.get('minimum')} to {rule.get('maximum')}"
    if error.validator == "pattern":
        return "a rule id such as pipe-to-shell or zizmor/artipacked" if "zizmor" in rule["pattern"] \
            else "a GitHub login such as octocat or dependabot[bot]"
    if error.validator == "type":
        names = {"array": "a list", "string": "a string", "number": "a number",
                 "object": "a mapping of settings"}
        return names.get(rule.get("type"), str(rule.get("type")))
    if error.validator == "additionalProperties":
        return "one of the known keys: " + ", ".join(sorted(schema()["properties"]))
    if error.validator in ("maxItems", "minLength", "maxLength"):
        return f"{error.validator} {error.validator_value}"
    return error.validator


def _schema_error(root: yaml.Node, data: Any) -> ConfigFileError | None:
    validator = jsonschema.Draft202012Validator(schema())
    errors = list(validator.iter_errors(data))
    if not errors:
        return None
    located = []
    for error in errors:
        path = list(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            path.append(next(k for k in error.instance if k not in schema()["properties"]))
        node, key_node = _node_at(root, path)
        line = (key_node if error.validator == "additionalProperties" and key_node else node).start_mark.line
        located.append(ConfigFileError(line + 1, _key_name(path), _expected(error)))
    return min(located, key=lambda e: (e.line, e.key))


def _reject_anchors(text: str) -> None:
    """Anchors and aliases let a few lines expand into millions of nodes; a settings file needs none."""
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise ConfigFileError(event.start_mark.line + 1, "(anchor)",
                                  "plain YAML without anchors (&) or aliases (*)")


def validate(text: str) -> dict[str, Any]:
    """The file's settings as a plain mapping (empty file: {}); ConfigFileError when it is not valid."""
    if len(text.encode("utf-8")) > MAX_CONFIG_BYTES:
        raise ConfigFileError(1, "(file)", f"a file of at most {MAX_CONFIG_BYTES // 1024} KB")
    try:
        _reject_anchors(text)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ConfigFileError((mark.line + 1) if mark else 1, "(syntax)",
                              f"valid YAML ({exc.problem or 'unreadable'})") from None
    except yaml.YAMLError:
        raise ConfigFileError(1, "(syntax)", "valid YAML") from None
    if root is None:
        return {}
    error = _schema_error(root, data)
    if error is not None:
        raise error
    return data


def parse(text: str, settings: Settings) -> RepoConfig:
    return RepoConfig.from_mapping(validate(text), settings)


__all__ = ["CONFIG_PATH", "ConfigFileError", "RepoConfig", "parse", "validate"]
