"""Render a task's JSON-Schema form as HTML fields and turn the posted fields back into typed data.

Validation itself happens on the server in the runtime (jsonschema); this only converts types. Lists
(arrays) are posted as repeated fields, one per row; a list of objects (a closing review's actions) as
one repeated field per column (``actions.owner``), read back row by row; attachment fields as the ids
of the complaint's files that are ticked, with new files beside them; a keyed field (an object of texts,
e.g. a shift review's note per complaint) as ``<name>.<key>`` fields, rendered beside what they are keyed by.
"""
from __future__ import annotations

from dataclasses import dataclass

from runtime.form_rules import attachment_fields  # noqa: F401 - the page posts new files as ``<name>__files``
from web.i18n import authored  # labels, choices and help in the interface's language


@dataclass(frozen=True)
class Field:
    name: str
    title: str
    widget: str  # select | checkbox | textarea | number | date | datetime | text | list | table | files | keyed
    required: bool
    options: list[tuple[str, str]]
    help: str = ""  # the field's ``description``: what it is for, e.g. that a limit counts from it
    max_items: int | None = None  # lists and files: how many rows or files the form takes
    max_length: int | None = None
    columns: tuple[Field, ...] = ()  # a table's: one field per property of its rows


def fields(schema: dict) -> list[Field]:
    """The form's fields, labelled in the interface's language (in a request: see ``web.i18n.authored``)."""
    required = set(schema.get("required", []))
    out = []
    for name, prop in schema.get("properties", {}).items():
        enum = prop.get("enum")
        labels = [authored(label) or label for label in prop.get("enumNames", enum or [])]
        out.append(Field(name, authored(prop.get("title", name)) or name, _widget(prop), name in required,
                         list(zip(enum, labels, strict=False)) if enum else [], authored(prop.get("description")) or "",
                         prop.get("maxItems"), _max_length(prop), tuple(fields(_row_schema(prop)))))
    return out


def _row_schema(prop: dict) -> dict:
    """The schema of a list's rows when they are objects (a table), else an empty one."""
    items = prop.get("items") if prop.get("type") == "array" else None
    return items if isinstance(items, dict) and items.get("type") == "object" else {}


def _max_length(prop: dict) -> int | None:
    inner = prop.get("items", {}) if prop.get("type") == "array" else prop
    return inner.get("maxLength") if isinstance(inner, dict) else None


def _widget(prop: dict) -> str:
    if prop.get("attachments"):
        return "files"
    if prop.get("enum"):
        return "select"
    if _row_schema(prop):
        return "table"
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
        if _row_schema(prop):
            table = _table(name, _row_schema(prop), form)
            if table:
                data[name] = table
            continue
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


def _table(name: str, rows: dict, form) -> list[dict]:
    """The rows of a table, one per position of its columns' repeated fields; a row left blank is
    dropped, a blank cell left out (the schema check names a missing one)."""
    columns = {col: form.getlist(f"{name}.{col}") for col in rows.get("properties", {})}
    count = max((len(v) for v in columns.values()), default=0)
    table = []
    for i in range(count):
        row = {col: values[i].strip() for col, values in columns.items() if i < len(values) and values[i].strip()}
        if row:
            table.append(row)
    return table


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
