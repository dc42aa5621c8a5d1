"""Server-side validation of task form data against the task's JSON-Schema form file."""
from __future__ import annotations

from jsonschema import Draft202012Validator

from runtime import form_rules
from runtime.errors import InvalidInput
from runtime.store.packages import form_schema


_validators: dict[tuple[str, str], Draft202012Validator] = {}


def _validator(session, package_id: int, content_hash: str, name: str) -> Draft202012Validator:
    """Packages are immutable, so a form's validator is built once per (content hash, file)."""
    key = (content_hash, name)
    if key not in _validators:
        schema = form_schema(session, package_id, content_hash, name)
        if schema is None:
            raise InvalidInput(f"the form '{name}' of this task is missing from its deployment")
        _validators[key] = form_rules.validator(schema)
    return _validators[key]


def defaults(session, package_id: int, content_hash: str, form_name: str | None) -> dict:
    """The default values a form gives its fields (what a user who changes nothing submits)."""
    if not form_name:
        return {}
    schema = _validator(session, package_id, content_hash, form_name).schema
    return {k: p["default"] for k, p in schema.get("properties", {}).items() if "default" in p}


def validate(session, package_id: int, content_hash: str, form_name: str | None, data: dict) -> dict:
    """``data`` with the schema's defaults filled in; InvalidInput with one message per bad field.

    Defaults matter: an unticked box a client left out must still reach the gateway as False.
    """
    if not form_name:
        return data
    validator = _validator(session, package_id, content_hash, form_name)
    data = {**defaults(session, package_id, content_hash, form_name), **data}
    errors: dict[str, str] = {}
    problems: dict[str, dict] = {}
    for error in validator.iter_errors(data):
        path = [str(p) for p in error.absolute_path]
        if error.validator == "required":  # every missing field gets its own message
            for name in _missing(error):
                key = ".".join(path + [name])
                errors.setdefault(key, "this field is required")
                problems.setdefault(key, {"keyword": "required", "label": field_title(validator.schema, key)})
            continue
        key = ".".join(path) or "(form)"
        errors.setdefault(key, error.message)
        problems.setdefault(key, {**_problem(error), "label": field_title(validator.schema, key)})
    if errors:
        raise InvalidInput("some fields are not valid: " + "; ".join(f"{k}: {v}" for k, v in errors.items()),
                           field_errors=errors, problems=problems)
    return data


def _problem(error) -> dict:
    """What is wrong with one value, as a keyword and its parameters: the web edge words it in the
    reader's language with the field's label (jsonschema's own English is for logs and the API)."""
    problem = {"keyword": str(error.validator), "limit": error.validator_value}
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        problem["limit"] = ", ".join(sorted(k for k in error.instance if k not in known))
    problem.update(getattr(error, "params", {}))
    return problem


def field_title(schema: dict, path: str) -> str:
    """The label the process owner gave the field at ``path`` (``actions.0.owner``: the owner column
    of the actions table), so every reader of a refusal, the API's included, can name the field."""
    node, title = schema, path
    for part in path.split("."):
        if part.isdigit() and isinstance(node.get("items"), dict):
            node = node["items"]
            continue
        node = node.get("properties", {}).get(part, {}) if isinstance(node, dict) else {}
        title = node.get("title", part) if isinstance(node, dict) else part
    return str(title)


def _missing(error) -> list[str]:
    present = error.instance if isinstance(error.instance, dict) else {}
    return [name for name in error.validator_value if name not in present]


def attachment_fields(session, package_id: int, content_hash: str, form_name: str | None) -> list[str]:
    """The fields of a form that hold attachments (``"attachments": true``: a list of their ids)."""
    if not form_name:
        return []
    return form_rules.attachment_fields(_validator(session, package_id, content_hash, form_name).schema)


def action_fields(session, package_id: int, content_hash: str, form_name: str | None) -> tuple[str | None, str | None]:
    """The form's list of corrective actions and its root-cause field (see form_rules.action_fields)."""
    if not form_name:
        return None, None
    return form_rules.action_fields(_validator(session, package_id, content_hash, form_name).schema)
