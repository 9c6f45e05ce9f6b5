"""Reading text from stored documents with RapidOCR (PP-OCR models shipped in the wheel).

The engine takes about a second to load and holds its ONNX sessions in memory: it is loaded
once per process, lazily, and shared. PDFs are rendered page by page with pypdfium2.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from typing import Any

from django.conf import settings

from claimdesk.documents.rules import normalise

DEFAULT_MAX_PAGES = 10
PDF_DPI = 200
MAX_SIDE = 4000  # pixels of a rendered PDF page; the OCR model reads at ~2000
MAX_PIXELS = 40_000_000


class OcrError(Exception):
    """The document could not be read; the message says why, for the staff who look."""


_engine: Any = None
_engine_lock = threading.Lock()
_run_lock = threading.Lock()


def engine() -> Any:
    """The process-wide RapidOCR engine, loaded on first use."""
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                try:
                    from rapidocr_onnxruntime import RapidOCR
                except ImportError as exc:  # pragma: no cover - depends on the install
                    raise OcrError(f"OCR engine not installed: {exc}") from exc
                _engine = RapidOCR()
    return _engine


def _images(data: bytes, content_type: str) -> Iterator[Any]:
    """PIL images of the document: the image itself, or each PDF page rendered."""
    from PIL import Image

    if content_type == "application/pdf":
        import pypdfium2 as pdfium

        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            raise OcrError(f"PDF cannot be opened: {exc}") from exc
        try:
            pages = min(len(pdf), getattr(settings, "CLAIMDESK_OCR_MAX_PAGES", DEFAULT_MAX_PAGES))
            for index in range(pages):
                page = pdf[index]
                try:
                    longest = max(page.get_size()) or 1.0  # points
                    scale = min(PDF_DPI / 72, MAX_SIDE / longest)
                    yield page.render(scale=scale).to_pil().convert("RGB")
                finally:
                    page.close()
        finally:
            pdf.close()
        return
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            raise OcrError(f"image of {image.width}×{image.height} pixels is too large to read")
        image.load()
    except (OSError, Image.DecompressionBombError, SyntaxError, ValueError) as exc:
        raise OcrError(f"image cannot be decoded: {exc}") from exc
    yield image.convert("RGB")


def _score(raw: Any) -> float:
    try:
        return max(0.0, min(1.0, float(raw)))
    except (TypeError, ValueError):
        return 0.0


def read_lines(data: bytes, content_type: str) -> list[tuple[str, float]]:
    """The document's lines in reading order with the engine's confidence (0–1) for each,
    NFKC-normalised (full-width ``：`` ``￥`` become ``:`` ``¥``); pages are separated by an
    empty line of confidence 1."""
    import numpy as np

    ocr = engine()
    lines: list[tuple[str, float]] = []
    for page, image in enumerate(_images(data, content_type)):
        bgr = np.asarray(image)[:, :, ::-1]
        try:
            with _run_lock:  # one inference at a time per process: the sessions use all cores
                result, _elapsed = ocr(bgr)
        except Exception as exc:  # the engine's own errors are varied; say what happened
            raise OcrError(f"OCR engine failed: {exc}") from exc
        if page:
            lines.append(("", 1.0))
        for line in result or ():
            text = normalise(str(line[1])).replace("\n", " ")
            lines.append((text, _score(line[2]) if len(line) > 2 else 0.0))
    return lines


def read_text(data: bytes, content_type: str) -> str:
    """The document's text, line by line in reading order, pages separated by a blank line,
    NFKC-normalised (full-width ``：`` ``￥`` become ``:`` ``¥``)."""
    return "\n".join(text for text, _score in read_lines(data, content_type)).strip()
