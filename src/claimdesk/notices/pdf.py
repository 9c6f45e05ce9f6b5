"""HTML → PDF with WeasyPrint, for notices and anything else that prints (the white paper).

Chinese text needs a CJK font on the machine: Debian ``fonts-noto-cjk`` gives "Noto Sans CJK
SC". Without it WeasyPrint silently falls back to a Latin font and every Chinese character
becomes an empty box (豆腐), so a missing font is an error here, never a quiet fallback.
Fonts are subset (HarfBuzz, Debian ``libharfbuzz-subset0``: ~0.2 s a page instead of 13 s);
never ``full_fonts`` (74 MB files).
"""

from __future__ import annotations

import shutil
import subprocess
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

CJK_FAMILY = "Noto Sans CJK SC"
# The stylesheet every printed page starts from; templates add their own rules after it.
BASE_CSS = f"""
@page {{ size: A4; margin: 20mm 18mm 22mm 18mm;
  @bottom-center {{ content: counter(page) " / " counter(pages); font-size: 8.5pt; color: #555; }} }}
html {{ font-family: "{CJK_FAMILY}", sans-serif; font-size: 10.5pt; line-height: 1.6;
  color: #111; }}
"""


class FontMissing(RuntimeError):
    """The CJK font is not installed: printing would draw boxes instead of characters."""


@cache
def _cjk_font_installed() -> bool:
    if shutil.which("fc-list") is None:
        return False
    found = subprocess.run(
        ["fc-list", f":family={CJK_FAMILY}", "family"],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    return bool(found.stdout.strip())


def require_cjk_font() -> None:
    if not _cjk_font_installed():
        _cjk_font_installed.cache_clear()  # look again next time: it may be installed by then
        raise FontMissing(
            f'The font "{CJK_FAMILY}" is not installed (Debian package fonts-noto-cjk); '
            "Chinese text would print as empty boxes."
        )


def _fetcher(base_dir: Path | None):
    """Resources a printed page may load: ``data:`` URIs, and files under ``base_dir``.

    Letters carry text typed by customers and staff; nothing in them may make the server
    fetch a URL or embed a file of its own (WeasyPrint can attach files to a PDF).
    """
    from weasyprint.urls import URLFetcher

    class LocalOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("file:"):
                path = Path(unquote(urlsplit(url).path)).resolve()
                if base_dir is None or not path.is_relative_to(base_dir):
                    raise ValueError(f"{url} is outside {base_dir}")
            return super().fetch(url, headers)

    protocols = ("data", "file") if base_dir is not None else ("data",)
    return LocalOnly(allowed_protocols=protocols, timeout=5)


def render_pdf(html: str, *, base_dir: str | Path | None = None) -> bytes:
    """The PDF of an HTML document (page size, page numbers and fonts from ``BASE_CSS``).

    Images and stylesheets load from ``data:`` URIs, or as relative paths from files under
    ``base_dir`` when given (e.g. charts a report wrote there); nothing else is fetched.
    Deterministic: the same HTML gives the same bytes (no creation date is written unless
    the document's own metadata carries one), so a stored letter's fingerprint can be
    checked by rendering it again.
    """
    from weasyprint import CSS, HTML  # heavy import: only where something is printed

    require_cjk_font()
    root = Path(base_dir).resolve() if base_dir is not None else None
    document = HTML(
        string=html,
        base_url=f"{root.as_uri()}/" if root is not None else None,
        url_fetcher=_fetcher(root),
    )
    return document.write_pdf(stylesheets=[CSS(string=BASE_CSS)])
