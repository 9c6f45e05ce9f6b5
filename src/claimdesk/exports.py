"""A table as CSV or XLSX: a dashboard metric's columns and rows as the page shows them, a
partner's monthly statement. Below the apps (only the time zone under it), so any app's
export writes its files the same way.

CSV is UTF-8 with a byte-order mark: without it Excel on a Chinese Windows reads the file as
GBK and the Chinese labels come out garbled. Text that a spreadsheet would run as a formula
(``=``, ``+``, ``-``, ``@`` first) is prefixed with ``'`` (CSV/formula injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from claimdesk.workdays.clocks import SHANGHAI

BOM = "\ufeff"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell_value(value: Any) -> Any:
    """A value a spreadsheet holds as itself: numbers stay numbers, times become local."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        local = value.astimezone(SHANGHAI) if value.tzinfo else value
        return local.replace(tzinfo=None, microsecond=0)
    if isinstance(value, int | float | Decimal | date):
        return value
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


def _rows(columns: Sequence[tuple[str, str]], rows: Sequence[Mapping[str, Any]]) -> list[list]:
    return [[cell_value(row.get(key)) for key, _ in columns] for row in rows]


def table_csv(
    columns: Sequence[tuple[str, str]], rows: Sequence[Mapping[str, Any]], *, title: str = ""
) -> bytes:
    """The header (column labels) and the rows; a title line first when given."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if title:
        writer.writerow([cell_value(title)])
    writer.writerow([str(label) for _, label in columns])
    for row in _rows(columns, rows):
        writer.writerow(
            [v.strftime("%Y-%m-%d %H:%M:%S") if isinstance(v, datetime) else v for v in row]
        )
    return (BOM + out.getvalue()).encode("utf-8")


def table_xlsx(
    columns: Sequence[tuple[str, str]],
    rows: Sequence[Mapping[str, Any]],
    *,
    title: str = "",
    sheet: str = "data",
    notes: Sequence[str] = (),
) -> bytes:
    """One sheet: an optional title and notes (definition, filters), the header, the rows."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    ws = book.active
    # Sheet names: at most 31 characters, none of []:*?/\
    ws.title = "".join(ch for ch in sheet if ch not in "[]:*?/\\")[:31] or "data"
    if title:
        ws.append([cell_value(title)])
        ws.cell(row=ws.max_row, column=1).font = Font(bold=True, size=13)
    for note in notes:
        ws.append([cell_value(note)])
    if title or notes:
        ws.append([])
    ws.append([str(label) for _, label in columns])
    header = ws.max_row
    for cell in ws[header]:
        cell.font = Font(bold=True)
    body = _rows(columns, rows)
    for row in body:
        ws.append(row)
    for i, (_, label) in enumerate(columns, start=1):
        width = max([len(str(label))] + [len(str(r[i - 1])) for r in body[:200]])
        ws.column_dimensions[ws.cell(row=header, column=i).column_letter].width = min(
            max(10, width * 1.6), 60
        )
    ws.freeze_panes = ws.cell(row=header + 1, column=1)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
