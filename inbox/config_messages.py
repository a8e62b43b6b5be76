"""Config validation errors in plain words: "missing", "must be at least 0", "unknown key — did you mean port?".

pydantic's own wording ("Value error, …", "Field required", "Input should be …") is written for programmers;
admins read these lines in `inbox check-config`. No message here repeats the value (it may be a secret).
"""
from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError


def describe(error: ValidationError, source: str, prefix: str, model: type[BaseModel] | None = None) -> list[str]:
    """One 'file: dotted.key: what is wrong' line per problem."""
    lines = []
    for item in error.errors(include_input=False, include_url=False):
        loc = [str(p) for p in item["loc"]]
        key = ".".join([prefix, *loc]) if prefix else ".".join(loc)
        if item["type"] == "extra_forbidden":
            message = "unknown key" + did_you_mean(loc[-1] if loc else "", _known_keys(model, loc[:-1]))
        else:
            message = plain(item["type"], item["msg"], item.get("ctx") or {})
        lines.append(f"{source}: {key}: {message}")
    return lines


def did_you_mean(word: str, known: list[str]) -> str:
    near = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    if near:
        return f" — did you mean {near[0]}?"
    return f" (known: {', '.join(sorted(known))})" if 0 < len(known) <= 8 else ""


_BY_TYPE = {
    "missing": "missing (this key is required)",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be text",
    "dict_type": "must be a mapping (key: value lines)",
    "model_type": "must be a mapping (key: value lines)",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "url_parsing": "must be a URL",
}


def plain(kind: str, message: str, ctx: dict[str, Any]) -> str:
    if kind in _BY_TYPE:
        return _BY_TYPE[kind]
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = next(iter(ctx.values()), "")
        words = {"greater_than_equal": "at least", "greater_than": "more than", "less_than_equal": "at most",
                 "less_than": "less than"}[kind]
        return f"must be {words} {bound}"
    for noise in ("Value error, ", "Assertion failed, "):
        if message.startswith(noise):
            return message[len(noise):]
    if message.startswith("Input should be "):
        return "must be " + message[len("Input should be "):]
    return message[:1].lower() + message[1:]


def _known_keys(model: type[BaseModel] | None, path: list[str]) -> list[str]:
    """The keys a (nested) model accepts at `path`, for "did you mean"."""
    current = model
    for part in path:
        if current is None:
            return []
        field = current.model_fields.get(part)
        current = _model_in(field.annotation) if field is not None else None
    return list(current.model_fields) if current is not None else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None
