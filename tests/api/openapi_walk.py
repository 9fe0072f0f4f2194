"""Walking /openapi.json for class tests: every operation, parameter and request-body field, so
that a route added tomorrow is covered by the same tests without anyone listing it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    spec: dict[str, Any]

    @property
    def name(self) -> str:
        return f"{self.method.upper()} {self.path}"

    def parameters(self, where: str) -> list[dict[str, Any]]:
        return [p for p in self.spec.get("parameters", []) if p.get("in") == where]

    def url(self, **values: str) -> str:
        """The path with every parameter filled: ``values`` first, else ``1``."""
        url = self.path
        for parameter in self.parameters("path"):
            name = parameter["name"]
            url = url.replace("{" + name + "}", values.get(name, "1"))
        return url


def operations(document: dict[str, Any]) -> Iterator[Operation]:
    for path, item in document["paths"].items():
        for method, spec in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield Operation(method, path, spec)


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
    return schema


def body_schema(document: dict[str, Any], operation: Operation) -> dict[str, Any] | None:
    content = operation.spec.get("requestBody", {}).get("content", {})
    media = content.get("application/json")
    return resolve(document, media["schema"]) if media else None


def variants(document: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The schema itself, or each branch of an anyOf/oneOf/allOf, resolved."""
    schema = resolve(document, schema)
    branches = schema.get("anyOf") or schema.get("oneOf") or schema.get("allOf")
    if branches:
        return [b for branch in branches for b in variants(document, branch)]
    return [schema]


def leaves(
    document: dict[str, Any], schema: dict[str, Any], field: str = "", depth: int = 0
) -> Iterator[tuple[str, Any, dict[str, Any]]]:
    """(field path as problem documents name it, a JSON value placing a marker there, leaf
    schema) for every scalar field reachable in a request body. The marker is ``None``: the
    caller substitutes a value with ``place``."""
    if depth > 6:
        return
    kinds = {v.get("type") for v in variants(document, schema)}
    if field and kinds in ({"number", "string"}, {"number", "string", "null"}):
        # Pydantic's Decimal: a number, or the same written as a string, bounded by max_digits.
        yield field, None, {"type": "number", "format": "decimal"}
        return
    for variant in variants(document, schema):
        kind = variant.get("type")
        if kind == "object" or "properties" in variant:
            for name, child in variant.get("properties", {}).items():
                yield from leaves(document, child, f"{field}.{name}" if field else name, depth + 1)
        elif kind == "array" and "items" in variant:
            yield from leaves(document, variant["items"], f"{field}[0]", depth + 1)
        elif field:
            yield field, None, variant


def place(field: str, value: Any) -> Any:
    """'slots[0].start', v -> {'slots': [{'start': v}]}."""
    for token in reversed(re.findall(r"\[0\]|[^.\[]+", field)):
        value = [value] if token == "[0]" else {token: value}
    return value
