"""The console's instance list as files people open: CSV (UTF-8 with a BOM, so Excel reads Chinese) and XLSX.

Headers are in the reader's language, names instead of codes (the process's name, the status and severity as
the pages say them, the intake form's category names), times in the company's time zone. The rows come from
``monitoring.export_rows``, which does the role check; only the wording is done here.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from runtime.read import queries
from runtime.read.case_file import choice_names

BOM = "\ufeff"
COMPLAINT_PROCESS = "complaint"
TIME_FORMAT = "%Y-%m-%d %H:%M"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def headers() -> list[str]:
    return [_("Complaint no."), _("Process"), _("Version"), _("Status"), _("Severity"), _("Owner"), _("Category"),
            _("Site"), _("Accepted"), _("Last change"), _("Closed")]


def wording(rt) -> Callable[[tuple], list]:
    """A function that turns one exported row into what a person reads (times stay datetimes, local)."""
    zone = ZoneInfo(rt.settings.timezone)
    statuses = {"running": _("in progress"), "waiting": _("waiting"), "suspended": _("suspended"),
                "failed": _("stopped by an incident"), "completed": _("closed"), "terminated": _("terminated")}
    severities = {"normal": _("normal"), "major": _("major"), "crisis": _("crisis")}
    schema = queries.start_form(rt, COMPLAINT_PROCESS) or {}
    categories = choice_names(schema.get("properties", {}).get("category", {}))

    def word(row: tuple) -> list:
        number, process, version, status, severity, owner, category, site, started, updated, ended = row
        return [number, process, version, statuses.get(status, status), severities.get(severity, severity), owner,
                categories.get(category, category), site, _local(started, zone), _local(updated, zone),
                _local(ended, zone)]
    return word


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """A stored moment as a wall-clock time in the company's zone (naive, as spreadsheets keep times)."""
    if moment is None:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)


def _text_cell(value) -> object:
    """A cell as a spreadsheet will read it: text that starts like a formula gets an apostrophe, so a site
    named ``=HYPERLINK(...)`` stays text; times as ``2025-10-15 09:30``."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(TIME_FORMAT)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_chunks(rows: Iterator[tuple], word: Callable[[tuple], list]) -> Iterator[str]:
    """The CSV text in chunks of about 64 kB, the BOM and the header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow(headers())
    for row in rows:
        writer.writerow([_text_cell(v) for v in word(row)])
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_bytes(rows: Iterable[tuple], word: Callable[[tuple], list]) -> bytes:
    """One sheet, a bold frozen header row, times as real date-times (so they sort and compute)."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Process instances")[:31]
    sheet.append(headers())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_xlsx_cell(v) for v in word(row)])
    for column in "IJK":
        sheet.column_dimensions[column].width = 18
        for cell in sheet[column][1:]:
            cell.number_format = "yyyy-mm-dd hh:mm"
    sheet.column_dimensions["A"].width = 18
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_cell(value) -> object:
    """Datetimes stay datetimes; text that openpyxl would take for a formula stays text."""
    if isinstance(value, datetime) or value is None:
        return value
    return _text_cell(value)
