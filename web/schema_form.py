"""Render a task's JSON-Schema form as HTML fields and turn the posted fields back into typed data.

Validation itself happens on the server in the runtime (jsonschema); this only converts types. Lists
(arrays) are posted as repeated fields, one per row; attachment fields as the ids of the complaint's
files that are ticked, with new files beside them; a keyed field (an object of texts, e.g. a shift
review's note per complaint) as ``<name>.<key>`` fields, rendered beside what they are keyed by.
"""
from __future__ import annotations

from dataclasses import dataclass

from runtime.form_rules import attachment_fields  # noqa: F401 - the page posts new files as ``<name>__files``


@dataclass(frozen=True)
class Field:
    name: str
    title: str
    widget: str  # select | checkbox | textarea | number | date | datetime | text | list | files | keyed
    required: bool
    options: list[tuple[str, str]]
    help: str = ""  # the field's ``description``: what it is for, e.g. that a limit counts from it
    max_items: int | None = None  # lists and files: how many rows or files the form takes
    max_length: int | None = None


def fields(schema: dict) -> list[Field]:
    required = set(schema.get("required", []))
    out = []
    for name, prop in schema.get("properties", {}).items():
        enum = prop.get("enum")
        labels = prop.get("enumNames", enum or [])
        out.append(Field(name, prop.get("title", name), _widget(prop), name in required,
                         list(zip(enum, labels, strict=False)) if enum else [], prop.get("description", ""),
                         prop.get("maxItems"), _max_length(prop)))
    return out


def _max_length(prop: dict) -> int | None:
    inner = prop.get("items", {}) if prop.get("type") == "array" else prop
    return inner.get("maxLength") if isinstance(inner, dict) else None


def _widget(prop: dict) -> str:
    if prop.get("attachments"):
        return "files"
    if prop.get("enum"):
        return "select"
    kind, form = prop.get("type"), prop.get("format")
    if kind in WIDGETS:
        return WIDGETS[kind]
    if form in ("date", "date-time"):  # the browser's own picker; a local time is Shanghai's
        return "date" if form == "date" else "datetime"
    return "textarea" if prop.get("maxLength", 0) > 200 else "text"


WIDGETS = {"array": "list", "boolean": "checkbox", "integer": "number", "number": "number", "object": "keyed"}


def parse(schema: dict, form) -> dict:
    """Typed data from posted fields; empty optional fields are left out, bad numbers kept as text."""
    data: dict = {}
    for name, prop in schema.get("properties", {}).items():
        kind = prop.get("type")
        if kind == "array":
            rows = _rows(form.getlist(name), prop)
            if rows:
                data[name] = rows
            continue
        if kind == "boolean":
            data[name] = form.get(name) == "on"
            continue
        if kind == "object":
            data[name] = _keyed(form, name)
            continue
        raw = (form.get(name) or "").strip()
        if raw == "":
            continue
        data[name] = _number(raw, kind) if kind in ("integer", "number") else raw
    return data


def _keyed(form, name: str) -> dict[str, str]:
    """The non-empty texts posted as ``<name>.<key>``, by key."""
    prefix = name + "."
    return {k[len(prefix):]: v.strip() for k, v in form.items() if k.startswith(prefix) and v and v.strip()}


def _rows(raw: list[str], prop: dict) -> list:
    """The rows a list field was given, blank rows dropped; attachment ids as numbers (a junk id is
    kept as text for the schema check to name)."""
    rows = [r.strip() for r in raw if r and r.strip()]
    if prop.get("items", {}).get("type") == "integer":
        return [_number(r, "integer") for r in rows]
    return rows


def _number(raw: str, kind: str):
    try:
        return int(raw) if kind == "integer" else float(raw)
    except ValueError:
        return raw  # the schema check then names the field
