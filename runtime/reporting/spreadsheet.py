"""The monthly report as an Excel workbook (openpyxl), in Chinese: one sheet per part of the report, rates as
numbers with a percent format (so the quality department can compute with them), never as text."""
from __future__ import annotations

import io
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from runtime.reporting import labels
from runtime.reporting.tables import Table, tables

HEADER = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
TITLE = Font(bold=True, size=14)


def workbook(figures: dict, title: str, forms_dir: Path, zone: ZoneInfo) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for part in tables(figures, forms_dir, zone):
        _sheet(book, part, title)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet(book: Workbook, part: Table, title: str) -> None:
    sheet = book.create_sheet(part.name.split("（")[0][:31])  # the sheet's tab short; its title says all
    sheet.append([f"{title} · {part.name}"])
    sheet["A1"].font = TITLE
    sheet.append(list(part.columns))
    for cell in sheet[2]:
        cell.font, cell.fill, cell.alignment = HEADER, HEADER_FILL, Alignment(horizontal="center")
    for row in part.rows:
        sheet.append([_cell(v) for v in row])
    if not part.rows:
        sheet.append([labels.NONE_ROWS])
    for column in part.percent_columns:
        letter = get_column_letter(column + 1)
        for cell in sheet[letter][2:]:
            cell.number_format = "0.0%"
    for index, heading in enumerate(part.columns, start=1):
        width = max([len(str(heading))] + [len(str(r[index - 1])) for r in part.rows if index - 1 < len(r)])
        sheet.column_dimensions[get_column_letter(index)].width = min(60, 4 + width * 1.6)
    sheet.freeze_panes = "A3"


def _cell(value):
    return "" if value is None else value
