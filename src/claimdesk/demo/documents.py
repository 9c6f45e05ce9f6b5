"""The files a demo customer hands in: a small scan per checklist item, drawn with the CJK
font the PDFs use (Pillow's own font where it is missing), unique per claim and item."""

from __future__ import annotations

import io
from datetime import datetime
from functools import cache
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFont

from claimdesk.workdays.clocks import to_local

FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


@cache
def _font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.truetype(str(FONT), 18) if FONT.exists() else ImageFont.load_default()


def item_scan(claim, item_name: str, now: datetime) -> SimpleUploadedFile:
    """A PNG "scan" of ``item_name`` for ``claim`` handed in at ``now``: what it is, whose,
    and when (a second hand-in of a returned item is a new scan, not the same bytes)."""
    lines = [
        item_name,
        f"被保险人：{claim.insured_name}",
        f"案件：{claim.case.number}",
        f"出险：{to_local(claim.loss_time):%Y年%m月%d日}",
        f"提交：{to_local(now):%Y-%m-%d %H:%M}",
    ]
    image = Image.new("RGB", (420, 40 + 34 * len(lines)), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((4, 4, image.width - 5, image.height - 5), outline="gray")
    for i, line in enumerate(lines):
        draw.text((16, 18 + i * 34), line, fill="black", font=_font())
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return SimpleUploadedFile(f"{item_name}.png", buffer.getvalue(), content_type="image/png")
