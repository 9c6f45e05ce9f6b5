"""Dashboard tables as CSV (UTF-8 with BOM, parsed back) and XLSX (opened with openpyxl)."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

from openpyxl import load_workbook

from claimdesk.exports import BOM, cell_value, table_csv, table_xlsx
from tests.conftest import at

COLUMNS = [("team", "团队"), ("rate", "达成率 %"), ("cases", "案件数"), ("at", "时间")]
ROWS = [
    {"team": "客服一组", "rate": Decimal("92.50"), "cases": 40, "at": at("2026-09-30 10:00")},
    {"team": "=HYPERLINK(1)", "rate": None, "cases": 0, "at": None},
]


def test_csv_starts_with_a_bom_and_parses_back():
    data = table_csv(COLUMNS, ROWS, title="SLA 达成率")
    assert data.startswith(BOM.encode("utf-8"))
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["SLA 达成率"],
        ["团队", "达成率 %", "案件数", "时间"],
        ["客服一组", "92.50", "40", "2026-09-30 10:00:00"],
        ["'=HYPERLINK(1)", "", "0", ""],
    ]


def test_xlsx_opens_with_openpyxl_and_holds_the_rows():
    data = table_xlsx(
        COLUMNS, ROWS, title="SLA 达成率", sheet="sla/compliance", notes=["定义：按时完成/全部"]
    )
    book = load_workbook(io.BytesIO(data))
    ws = book.active
    assert ws.title == "slacompliance"
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    assert values[0][0] == "SLA 达成率"
    assert values[1][0] == "定义：按时完成/全部"
    header = values.index(["团队", "达成率 %", "案件数", "时间"])
    assert values[header + 1] == ["客服一组", 92.5, 40, datetime(2026, 9, 30, 10, 0)]
    assert values[header + 2] == ["'=HYPERLINK(1)", None, 0, None]


def test_cell_values():
    assert cell_value(True) == 1
    assert cell_value(date(2026, 9, 1)) == date(2026, 9, 1)
    # UTC 02:00 is 10:00 in Shanghai; spreadsheets hold naive local times.
    assert cell_value(datetime.fromisoformat("2026-09-30T02:00:00+00:00")) == datetime(
        2026, 9, 30, 10, 0
    )
    assert cell_value("-1") == "'-1"
    assert cell_value(-1) == -1
