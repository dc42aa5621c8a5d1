"""The audit log of a date range as an XES event log (IEEE 1849), for process-mining tools (ProM,
pm4py, Celonis, Disco): one trace per complaint named by its number, one event per audit entry named
by the step's title, with its lifecycle transition, time (ISO with the business zone's offset), the
user who acted and their roles.

Streamed: the rows come in pages of ``CHUNK`` (``yield_per``) ordered by complaint, and the XML is
handed out in pieces of about 64 kB, so a year of audit log is never held in memory. Every text is
escaped by ``xml.sax.saxutils``, and characters XML 1.0 cannot carry (control characters) become
U+FFFD: what users typed never breaks the file.
"""
from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from xml.sax.saxutils import XMLGenerator
from xml.sax.xmlreader import AttributesImpl

from sqlalchemy import select
from zoneinfo import ZoneInfo

from runtime.actors import Actor, require_any
from runtime.bootstrap import Runtime
from runtime.moments import report_day
from runtime.errors import InvalidInput
from runtime.read.visibility import READ_ONLY_ACTIONS
from runtime.store.models import AuditEvent, User, UserRole

EXPORT_ROLES = frozenset({"admin", "quality"})
CHUNK = 1000
FLUSH_AT = 64_000
# Audit actions as XES lifecycle transitions (the standard's model); anything else is a completed event.
LIFECYCLE = {"claimed": "assign", "delegated": "reassign", "reassigned": "reassign", "returned": "reassign",
             "released": "withdraw", "suspended": "suspend", "resumed": "resume", "terminated": "pi_abort"}
# Names of the events that belong to no step: the complaint's own events.
INSTANCE_EVENTS = {"started": "受理投诉", "terminated": "终止", "comment": "备注", "timers_fired": "时限到期",
                   "reopened_as": "重新开启为新投诉", "reopened_from": "由旧投诉重新开启", "moved": "管理员移动",
                   "migrated": "迁移到新版本", "incident_retried": "重试故障", "incident_resolved": "故障已解决"}
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
NS = "http://www.xes-standard.org/"
EXTENSIONS = (("Concept", "concept"), ("Lifecycle", "lifecycle"), ("Time", "time"), ("Organizational", "org"))


def date_range(rt: Runtime, actor: Actor, raw_from: str | None, raw_to: str | None) -> tuple[date, date]:
    """``from`` and ``to`` (YYYY-MM-DD, both included) checked, after the role (who may not export
    learns nothing about the parameters): InvalidInput naming the parameter for a missing or bad date,
    ``to`` before ``from``, or a range longer than ``event_log_max_days``."""
    require_any(actor, EXPORT_ROLES, "export the event log")
    first, last = _date(raw_from, "from"), _date(raw_to, "to")
    if last < first:
        raise InvalidInput("to must not be before from", field_errors={"to": last.isoformat()})
    limit = rt.settings.event_log_max_days
    if (last - first).days + 1 > limit:
        raise InvalidInput(f"one export covers at most {limit} days; split the range",
                           field_errors={"to": last.isoformat()})
    return first, last


def _date(raw: str | None, name: str) -> date:
    day = report_day(raw)
    if day is None:
        raise InvalidInput(f"{name} must be a date like 2026-11-30, from 2000 to 2100",
                           field_errors={name: (raw or "")[:40]})
    return day


def export_xes(rt: Runtime, actor: Actor, first: date, last: date) -> Iterator[str]:
    """The XES text of the audit events from ``first`` to ``last`` (business days, both included), in
    pieces; the role check runs when the first piece is asked for."""
    require_any(actor, EXPORT_ROLES, "export the event log")
    zone = ZoneInfo(rt.settings.timezone)
    start, end = (datetime.combine(d, time(0), zone) for d in (first, last + timedelta(days=1)))
    out = io.StringIO()
    xml = XMLGenerator(out, encoding="utf-8", short_empty_elements=True)
    xml.startDocument()
    _header(xml, f"complaintflow {first.isoformat()}..{last.isoformat()}")
    yield _take(out)
    with rt.db.reader() as session:
        roles = _roles(session)
        query = (select(AuditEvent).where(AuditEvent.at >= start, AuditEvent.at < end,
                                          AuditEvent.instance_id.is_not(None),
                                          AuditEvent.action.not_in(READ_ONLY_ACTIONS))
                 .order_by(AuditEvent.instance_id, AuditEvent.id).execution_options(yield_per=CHUNK))
        current = None
        for event in session.scalars(query):
            if event.instance_id != current:
                if current is not None:
                    xml.endElement("trace")
                current = event.instance_id
                _start(xml, "trace", {})
                _attribute(xml, "string", "concept:name", event.business_key or str(event.instance_id))
            _event(xml, event, zone, roles.get(event.actor))
            if out.tell() > FLUSH_AT:
                yield _take(out)
        if current is not None:
            xml.endElement("trace")
    xml.endElement("log")
    xml.endDocument()
    yield _take(out)


def _take(out: io.StringIO) -> str:
    text = out.getvalue()
    out.seek(0)
    out.truncate()
    return text


def _roles(session) -> dict[str, str]:
    """Username -> role codes (comma-separated); staff are few next to the audit log."""
    found: dict[str, list[str]] = {}
    for username, role in session.execute(select(User.username, UserRole.role)
                                          .join(UserRole, UserRole.user_id == User.id).order_by(UserRole.role)):
        found.setdefault(username, []).append(role)
    return {name: ",".join(codes) for name, codes in found.items()}


def _header(xml: XMLGenerator, name: str) -> None:
    _start(xml, "log", {"xes.version": "1849-2016", "xes.features": "nested-attributes", "xmlns": NS})
    for extension, prefix in EXTENSIONS:
        _start(xml, "extension", {"name": extension, "prefix": prefix,
                                       "uri": f"{NS}{extension.lower()}.xesext"})
        xml.endElement("extension")
    _start(xml, "global", {"scope": "trace"})
    _attribute(xml, "string", "concept:name", "UNKNOWN")
    xml.endElement("global")
    _start(xml, "global", {"scope": "event"})
    _attribute(xml, "string", "concept:name", "UNKNOWN")
    _attribute(xml, "string", "lifecycle:transition", "complete")
    _attribute(xml, "date", "time:timestamp", "1970-01-01T00:00:00+00:00")
    xml.endElement("global")
    _start(xml, "classifier", {"name": "Activity", "keys": "concept:name"})
    xml.endElement("classifier")
    _attribute(xml, "string", "concept:name", name)


def _event(xml: XMLGenerator, event: AuditEvent, zone: ZoneInfo, roles: str | None) -> None:
    details = event.details or {}
    _start(xml, "event", {})
    title = details.get("title") if isinstance(details.get("title"), str) else None
    _attribute(xml, "string", "concept:name", title or event.task_name or INSTANCE_EVENTS.get(event.action)
               or event.action)
    _attribute(xml, "string", "lifecycle:transition", LIFECYCLE.get(event.action, "complete"))
    _attribute(xml, "date", "time:timestamp", event.at.astimezone(zone).isoformat(timespec="milliseconds"))
    _attribute(xml, "string", "org:resource", event.actor)
    if roles:
        _attribute(xml, "string", "org:role", roles)
    _attribute(xml, "string", "action", event.action)
    if event.task_name:
        _attribute(xml, "string", "step", event.task_name)
    for key in ("text", "reason"):
        if isinstance(details.get(key), str):
            _attribute(xml, "string", key, details[key])
    xml.endElement("event")


def _start(xml: XMLGenerator, name: str, attributes: dict[str, str]) -> None:
    xml.startElement(name, AttributesImpl(attributes))


def _attribute(xml: XMLGenerator, kind: str, key: str, value: str) -> None:
    _start(xml, kind, {"key": key, "value": _NOT_XML.sub("\ufffd", value)})
    xml.endElement(kind)
