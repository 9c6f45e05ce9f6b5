"""Pure document rules: what a file is (by its bytes, never its name), a safe display
name, the fields an OCR text proposes and which checklist item it looks like. No ORM, no I/O."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import PurePosixPath

# content type → (magic prefix, extension)
ALLOWED_TYPES: dict[str, tuple[bytes, str]] = {
    "application/pdf": (b"%PDF-", ".pdf"),
    "image/jpeg": (b"\xff\xd8\xff", ".jpg"),
    "image/png": (b"\x89PNG\r\n\x1a\n", ".png"),
}
ALLOWED_LABEL = "PDF, JPEG, PNG"
SNIFF_BYTES = 16
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
FIELD_NAMES = ("amount", "date", "policy_no", "name", "hospital", "diagnosis")


def sniff_content_type(head: bytes) -> str | None:
    """The content type the first bytes prove, or None when it is none of the allowed."""
    for content_type, (magic, _ext) in ALLOWED_TYPES.items():
        if head.startswith(magic):
            return content_type
    return None


_UNSAFE = re.compile(r"[^\w.\-]+")  # \w keeps CJK letters and digits


def safe_filename(name: str, content_type: str, *, limit: int = 100) -> str:
    """A display name without directories, control characters or a misleading extension.

    ``../../etc/passwd.png`` → ``passwd.png``; a PNG named ``scan.pdf`` → ``scan.png``.
    """
    base = PurePosixPath(unicodedata.normalize("NFKC", name or "").replace("\\", "/")).name
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C")
    stem = base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base
    stem = _UNSAFE.sub("_", stem).strip("._-")
    ext = ALLOWED_TYPES[content_type][1]
    stem = stem[: limit - len(ext)] or "document"
    return stem + ext


# --- field extraction ----------------------------------------------------------------------

_NUMBER = r"(\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?)"
_AMOUNT_KEYS = ("小写", "金额合计", "价税合计", "合计金额", "合计", "总计", "实付", "金额")
_AMOUNT = {
    k: re.compile(k + r"[^\d\n]{0,12}?(?:¥|RMB|人民币|元)?\s*" + _NUMBER + r"(?!\d)")
    for k in _AMOUNT_KEYS
}
_CURRENCY_AMOUNT = re.compile(r"¥\s*" + _NUMBER)
_DATE_CN = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_DATE_ISO = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_POLICY = re.compile(r"保(?:险)?单(?:号码|号|编号)\s*:?\s*([A-Za-z0-9][A-Za-z0-9\-]{5,31})")
_NAME = re.compile(r"(?:姓名|被保险人|患者姓名|患者|申请人)\s*:?\s*([\u4e00-\u9fff·]{2,10})")
_HOSPITAL_LABELLED = re.compile(
    r"(?:就诊医院|医疗机构|医院名称|医院|收款单位)\s*:\s*([^\s:]{2,40}(?:医院|卫生院|诊所|中心))"
)
_HOSPITAL = re.compile(r"([\u4e00-\u9fff]{2,30}(?:医院|卫生院))")
_DIAGNOSIS = re.compile(r"(?:临床诊断|出院诊断|诊断结果|诊断意见|诊断)\s*:\s*([^\n]{2,80})")


def normalise(text: str) -> str:
    """NFKC: full-width ``：`` ``￥`` ``１`` become ``:`` ``¥`` ``1``."""
    return unicodedata.normalize("NFKC", text or "")


def parse_amount(raw: str) -> Decimal | None:
    try:
        value = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 or value >= Decimal("1e12"):
        return None
    return value.quantize(Decimal("0.01"))


def _amount(text: str) -> tuple[str, int] | None:
    for key in _AMOUNT_KEYS:
        for m in _AMOUNT[key].finditer(text):
            value = parse_amount(m.group(1))
            if value is not None:
                return str(value), m.start(1)
    currency = _CURRENCY_AMOUNT.search(text)
    value = parse_amount(currency.group(1)) if currency else None
    return (str(value), currency.start(1)) if value is not None and currency else None


def _dates(text: str) -> Iterable[tuple[date, int]]:
    found = sorted((m.start(), m.groups()) for p in (_DATE_CN, _DATE_ISO) for m in p.finditer(text))
    for pos, (y, mo, d) in found:
        try:
            yield date(int(y), int(mo), int(d)), pos
        except ValueError:
            continue


def _field_spans(text: str) -> dict[str, tuple[str, int]]:
    """Each field found: its value and where in ``text`` (already NFKC) it was read."""
    fields: dict[str, tuple[str, int]] = {}
    amount = _amount(text)
    if amount is not None:
        fields["amount"] = amount
    day = next(iter(_dates(text)), None)
    if day is not None:
        fields["date"] = (day[0].isoformat(), day[1])
    for name, pattern in (
        ("policy_no", _POLICY),
        ("name", _NAME),
        ("hospital", _HOSPITAL_LABELLED),
        ("diagnosis", _DIAGNOSIS),
    ):
        m = pattern.search(text)
        if m:
            fields[name] = (m.group(1).strip(), m.start(1))
    if "hospital" not in fields:
        m = _HOSPITAL.search(text)
        if m:
            fields["hospital"] = (m.group(1), m.start(1))
    return fields


def extract_fields(text: str) -> dict[str, str]:
    """Key fields an OCR text proposes; only those found. Values are strings for review."""
    return {name: value for name, (value, _pos) in _field_spans(normalise(text)).items()}


def field_confidence(lines: Sequence[tuple[str, float]]) -> dict[str, float]:
    """How sure the engine was of each field ``extract_fields`` finds in these OCR lines:
    the confidence of the line the value was read from (rounded to 0.001)."""
    text = "\n".join(line for line, _score in lines)
    starts, offset = [], 0
    for line, _score in lines:
        starts.append(offset)
        offset += len(line) + 1
    out: dict[str, float] = {}
    for name, (_value, pos) in _field_spans(text).items():
        index = bisect_right(starts, pos) - 1
        out[name] = round(lines[index][1], 3) if index >= 0 else 0.0
    return out


# Keyword → item code; the keyword found earliest in the text (usually the title) wins.
_ITEM_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("事故认定书", "accident_report"),
    ("事故责任认定", "accident_report"),
    ("诊断证明", "diagnosis"),
    ("病理", "pathology"),
    ("出院小结", "discharge_summary"),
    ("出院记录", "discharge_summary"),
    ("居民身份证", "id_card"),
    ("身份证", "id_card"),
    ("银行卡", "bank_card"),
    ("借记卡", "bank_card"),
    ("行驶证", "vehicle_license"),
    ("驾驶证", "driver_license"),
    ("费用清单", "expense_list"),
    ("理赔申请书", "claim_form"),
    ("伤残鉴定", "disability_appraisal"),
    ("发票", "invoice"),
)
_INVOICE_BY_LOSS_TYPE = {"auto": "repair_invoice", "property": "purchase_proof"}


def suggest_item(text: str, *, loss_type: str, codes: Iterable[str] | None = None) -> str | None:
    """The checklist item the text most likely is (among ``codes`` when given), else None."""
    text = normalise(text)
    allowed = set(codes) if codes is not None else None
    hits: list[tuple[int, int, str]] = []
    for rank, (keyword, code) in enumerate(_ITEM_KEYWORDS):
        pos = text.find(keyword)
        if pos < 0:
            continue
        if code == "invoice":
            code = (
                "repair_invoice"
                if "维修" in text
                else _INVOICE_BY_LOSS_TYPE.get(loss_type, "medical_invoice")
            )
        if allowed is None or code in allowed:
            hits.append((pos, rank, code))
    return min(hits)[2] if hits else None
