"""``render_pdf``: any HTML to PDF with the CJK font, fetching nothing it should not."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

from claimdesk.notices.pdf import render_pdf


def test_render_pdf_prints_any_html_deterministically(_frozen):
    html = "<h1>理赔服务白皮书</h1><p>客户满意度 96%</p>"
    pdf = render_pdf(html)
    _frozen.shift(86400)  # no print date in the file: a day later, the same bytes
    assert pdf.startswith(b"%PDF-") and render_pdf(html) == pdf
    page = pdfium.PdfDocument(pdf)[0]
    assert (round(page.get_width()), round(page.get_height())) == (595, 842)  # A4
    assert "理赔服务白皮书" in page.get_textpage().get_text_range()


def _png(path: Path) -> Path:
    Image.new("RGB", (60, 40), "navy").save(path)
    return path


def test_files_load_only_from_the_given_directory(tmp_path: Path):
    charts = tmp_path / "charts"
    charts.mkdir()
    _png(charts / "csat.png")
    _png(tmp_path / "outside.png")
    secret = tmp_path / "secret.txt"
    secret.write_text("password=hunter2")

    with_chart = render_pdf('<p>图表</p><img src="csat.png">', base_dir=charts)
    assert pdf_image_count(with_chart, tmp_path) == 1
    # Outside the directory, or with no directory at all: not loaded.
    escaped = render_pdf('<img src="../outside.png">', base_dir=charts)
    assert pdf_image_count(escaped, tmp_path) == 0
    absolute = render_pdf(f'<img src="{(charts / "csat.png").as_uri()}">')
    assert pdf_image_count(absolute, tmp_path) == 0
    # Attaching a server file to the PDF (a WeasyPrint feature) is refused as well.
    attached = render_pdf(f'<link rel="attachment" href="{secret.as_uri()}"><p>附件</p>')
    assert pdfium.PdfDocument(attached).count_attachments() == 0
    assert b"hunter2" not in attached
    inline = render_pdf(
        '<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4'
        '2mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==">'
    )
    assert pdf_image_count(inline, tmp_path) == 1


def pdf_image_count(pdf: bytes, tmp_path: Path) -> int:
    path = tmp_path / "count.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True
    ).stdout
    return sum(1 for line in out.splitlines()[2:] if line.split()[2] == "image")


def test_a_chinese_page_prints_in_well_under_a_few_seconds():
    """With HarfBuzz subsetting (Debian libharfbuzz-subset0) a CJK page takes ~0.2 s;
    without it ~13 s. The bound is loose for a busy machine but catches the missing library."""
    import time

    html = (
        "<h1>拒赔通知书</h1>"
        + "<p>被保险人在等待期内发生疾病的，保险人不承担给付保险金的责任。</p>" * 30
    )
    render_pdf(html)  # warm: fonts found, modules loaded
    started = time.perf_counter()
    pdf = render_pdf(html)
    assert time.perf_counter() - started < 5
    assert len(pdf) < 400_000  # subset fonts, never the whole 20 MB collection
