"""Checks every request passes before any route sees it, so that no route can forget them:

- no NUL or other C0 control character (tab, newline and carriage return aside) in any string
  of the query, the path or the JSON body: SQLite would store it and PostgreSQL refuse it, and
  ``?q=%00`` would match every row;
- integer query and path parameters written as plain digits: ``1.0``, `` 1`` and ``+1`` are
  typos or probes, not ids.

Each refusal is a problem document naming the field, like every other validation error.
"""

from __future__ import annotations

import json
import re
import typing
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.routing import APIRoute

from caredesk.errors import ValidationFailed

if TYPE_CHECKING:
    from fastapi._compat import ModelField
    from fastapi.dependencies.models import Dependant

# C0 controls and DEL, except tab, newline and carriage return, which free text may hold.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DIGITS = re.compile(r"[0-9]{1,19}", re.ASCII)
CONTROL_MESSAGE = "must not contain NUL or control characters (tab, newline and CR are allowed)"
DIGITS_MESSAGE = "must be a whole number written in digits only, e.g. 42"


def has_control_characters(text: str) -> bool:
    return _CONTROL.search(text) is not None


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every string in a decoded JSON value (keys included) with its field path."""
    if isinstance(value, str):
        yield path or "body", value
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            yield name, str(key)
            yield from _strings(item, name)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


def _fields(dependant: Dependant) -> Iterator[ModelField]:
    yield from dependant.path_params
    yield from dependant.query_params
    for inner in dependant.dependencies:
        yield from _fields(inner)


def _integer_parameters(app: FastAPI, route: APIRoute, method: str) -> frozenset[str]:
    """Names of the integer path/query parameters of one operation (an ``int``, an optional
    one or a list of them), read from the route's own parameters and their dependencies'."""
    cache: dict[tuple[str, str], frozenset[str]] = app.state.__dict__.setdefault(
        "integer_parameters", {}
    )
    key = (route.path, method)
    if key not in cache:
        cache[key] = frozenset(
            field.alias
            for field in _fields(route.dependant)
            if field.field_info.annotation is int
            or int in typing.get_args(field.field_info.annotation)
        )
    return cache[key]


async def check_inputs(request: Request) -> None:
    """An app-wide dependency: see the module docstring."""
    for name, value in request.query_params.multi_items():
        if has_control_characters(name) or has_control_characters(value):
            raise ValidationFailed(CONTROL_MESSAGE, field=name if name.isprintable() else "query")
    for name, value in request.path_params.items():
        if isinstance(value, str) and has_control_characters(value):
            raise ValidationFailed(CONTROL_MESSAGE, field=name)
    route = request.scope.get("route")
    if isinstance(route, APIRoute):
        integers = _integer_parameters(request.app, route, request.method)
        raw_path = request.path_params
        for name in integers:
            raw = raw_path.get(name)
            values = [raw] if isinstance(raw, str) else request.query_params.getlist(name)
            if any(not _DIGITS.fullmatch(value) for value in values):
                raise ValidationFailed(DIGITS_MESSAGE, field=name)
    content_type = request.headers.get("content-type", "")
    # A form (the browser pages) was already read by its route; its pages check its fields.
    is_form = content_type.startswith(("application/x-www-form-urlencoded", "multipart/"))
    if request.method in ("POST", "PUT", "PATCH") and not is_form:
        body = await request.body()
        if not body:
            return
        try:
            document = json.loads(body)
        except ValueError:
            return  # the route's own validation answers malformed JSON
        for field, text in _strings(document, ""):
            if has_control_characters(text):
                raise ValidationFailed(CONTROL_MESSAGE, field=field)
