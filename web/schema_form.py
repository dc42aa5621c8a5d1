"""Render a task's JSON-Schema form as HTML fields and turn the posted fields back into typed data.

Validation itself happens on the server in the runtime (jsonschema); this only converts types.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    name: str
    title: str
    widget: str  # select | checkbox | textarea | number | date | datetime | text
    required: bool
    options: list[tuple[str, str]]
    help: str = ""  # the field's ``description``: what it is for, e.g. that a limit counts from it


def fields(schema: dict) -> list[Field]:
    required = set(schema.get("required", []))
    out = []
    for name, prop in schema.get("properties", {}).items():
        enum = prop.get("enum")
        labels = prop.get("enumNames", enum or [])
        out.append(Field(name, prop.get("title", name), _widget(prop), name in required,
                         list(zip(enum, labels, strict=False)) if enum else [], prop.get("description", "")))
    return out


def _widget(prop: dict) -> str:
    if prop.get("enum"):
        return "select"
    kind = prop.get("type")
    if kind == "boolean":
        return "checkbox"
    if kind in ("integer", "number"):
        return "number"
    if prop.get("format") in ("date", "date-time"):  # the browser's own picker; a local time is Shanghai's
        return "date" if prop["format"] == "date" else "datetime"
    return "textarea" if prop.get("maxLength", 0) > 200 else "text"


def parse(schema: dict, form) -> dict:
    """Typed data from posted fields; empty optional fields are left out, bad numbers kept as text."""
    data = {}
    for name, prop in schema.get("properties", {}).items():
        kind = prop.get("type")
        if kind == "boolean":
            data[name] = form.get(name) == "on"
            continue
        raw = (form.get(name) or "").strip()
        if raw == "":
            continue
        data[name] = _number(raw, kind) if kind in ("integer", "number") else raw
    return data


def _number(raw: str, kind: str):
    try:
        return int(raw) if kind == "integer" else float(raw)
    except ValueError:
        return raw  # the schema check then names the field
