"""Checks a REST request against GitHub's OpenAPI description: path + method, query, path params, body."""
from __future__ import annotations

import functools
import json
import re
from typing import Any

from openapi_schema_validator import OAS30Validator, oas30_format_checker

from tests.support import npm_packages

_METHODS = ("get", "put", "post", "patch", "delete", "head", "options")


@functools.lru_cache(maxsize=1)
def openapi_rules() -> "OpenApiRules":
    """Parsed once per test session: the description is 13 MB of JSON."""
    return OpenApiRules(json.loads(npm_packages.openapi_description().read_text()))


class Operation:
    def __init__(self, rules: "OpenApiRules", template: str, method: str, spec: dict, shared: list):
        self.template = template
        self.method = method
        self.operation_id = spec.get("operationId", f"{method} {template}")
        params = [rules.resolve(p) for p in shared + spec.get("parameters", [])]
        self.path_params = {p["name"]: p for p in params if p["in"] == "path"}
        self.query_params = {p["name"]: p for p in params if p["in"] == "query"}
        body = rules.resolve(spec["requestBody"]) if "requestBody" in spec else None
        self.body_required = bool(body and body.get("required"))
        schema = ((body or {}).get("content", {}).get("application/json") or {}).get("schema")
        self.body_validator = rules.validator(schema) if schema is not None else None
        self.has_body = body is not None
        self._rules = rules
        self._responses = spec.get("responses", {})

    def response_problems(self, status: int, body: Any) -> list[str]:
        """Reasons ``body`` is not what GitHub's description says this operation answers with ``status``."""
        response = self._rules.resolve(self._responses.get(str(status)) or {})
        schema = (response.get("content", {}).get("application/json") or {}).get("schema")
        if schema is None:
            return [f"{self.operation_id} documents no JSON answer for status {status}"]
        return [f"answer{_where(e)}: {e.message}" for e in self._rules.validator(schema).iter_errors(body)]

    def check(self, path_values: dict[str, str], query: dict[str, list[str]], body: Any,
              raw_body: bytes) -> list[str]:
        """Reasons this request is not valid for the operation (empty when it is)."""
        problems = []
        for name, value in path_values.items():
            problems += self._check_param("path", self.path_params[name], [value])
        for name, values in query.items():
            if name not in self.query_params:
                problems.append(f"unknown query parameter {name!r} for {self.operation_id}")
                continue
            problems += self._check_param("query", self.query_params[name], values)
        for name, param in self.query_params.items():
            if param.get("required") and name not in query:
                problems.append(f"missing required query parameter {name!r}")
        if raw_body.strip():
            if not self.has_body:
                problems.append(f"{self.operation_id} takes no request body")
            elif body is _INVALID_JSON:
                problems.append("request body is not valid JSON")
            elif self.body_validator is not None:
                problems += [f"body{_where(e)}: {e.message}" for e in self.body_validator.iter_errors(body)]
        elif self.body_required:
            problems.append(f"{self.operation_id} requires a JSON body")
        return problems

    def _check_param(self, where: str, param: dict, values: list[str]) -> list[str]:
        schema = param.get("schema") or {}
        kind = schema.get("type")
        value: Any = values if kind == "array" else values[-1]
        try:
            if kind == "integer":
                value = int(value)
            elif kind == "number":
                value = float(value)
            elif kind == "boolean":
                if value not in ("true", "false"):
                    raise ValueError
                value = value == "true"
        except ValueError:
            return [f"{where} parameter {param['name']!r}={value!r} is not a {kind}"]
        validator = self._rules.validator(schema)
        return [f"{where} parameter {param['name']!r}: {e.message}" for e in validator.iter_errors(value)]


class _Invalid:
    pass


_INVALID_JSON = _Invalid()


def parse_json_body(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return _INVALID_JSON


def _where(error) -> str:
    return "".join(f"[{p!r}]" for p in error.absolute_path)


class OpenApiRules:
    """Path templates compiled to regexes; literal segments win over parameters, as GitHub routes them."""

    def __init__(self, spec: dict):
        self._components = spec.get("components", {})
        self._routes: list[tuple[re.Pattern, str, dict[str, Operation]]] = []
        raw_routes = []
        for template, item in spec["paths"].items():
            shared = item.get("parameters", [])
            ops = {m.upper(): (template, m, item[m], shared) for m in _METHODS if m in item}
            literal = sum(1 for part in template.split("/") if part and not part.startswith("{"))
            raw_routes.append((-literal, template, ops))
        raw_routes.sort(key=lambda r: r[:2])
        for _, template, ops in raw_routes:
            multi = self._multi_segment(ops)
            pattern = re.compile("^" + re.sub(r"\\\{([^}]+)\\\}",
                                              lambda m: "(.+)" if m.group(1) in multi else "([^/]+)",
                                              re.escape(template)) + "$")
            self._routes.append((pattern, template, ops))
        self._operations: dict[tuple[str, str], Operation] = {}
        self._validators: dict[int, OAS30Validator] = {}

    def _multi_segment(self, ops: dict) -> set[str]:
        """Path parameters GitHub marks ``x-multi-segment`` (a file path in "Get repository content"):
        they span slashes, as GitHub routes them."""
        names = set()
        for template, method, spec, shared in ops.values():
            for param in shared + spec.get("parameters", []):
                param = self.resolve(param)
                if param.get("in") == "path" and param.get("x-multi-segment"):
                    names.add(param["name"])
        return names

    def resolve(self, node: dict) -> dict:
        while isinstance(node, dict) and "$ref" in node:
            kind, name = node["$ref"].split("/")[-2:]
            node = self._components[kind][name]
        return node

    def validator(self, schema: dict) -> OAS30Validator:
        key = id(schema)
        if key not in self._validators:
            # "#/components/..." references resolve against this root, so give it the components.
            root = {**schema, "components": self._components}
            self._validators[key] = OAS30Validator(root, format_checker=oas30_format_checker)
        return self._validators[key]

    def match(self, method: str, path: str) -> tuple[Operation | None, dict[str, str], str | None]:
        """The operation for ``method path`` and its path values, or None with the reason."""
        path_known = False
        for pattern, template, ops in self._routes:
            found = pattern.match(path)
            if not found:
                continue
            path_known = True
            if method not in ops:
                continue
            key = (template, method)
            if key not in self._operations:
                self._operations[key] = Operation(self, *ops[method])
            # Parameter names use '-' in places; regex groups can't, so map by position instead.
            names = re.findall(r"\{([^}]+)\}", template)
            return self._operations[key], dict(zip(names, found.groups())), None
        if path_known:
            return None, {}, f"{method} is not an operation of {path} in GitHub's OpenAPI description"
        return None, {}, f"{path} is not a path in GitHub's OpenAPI description"
