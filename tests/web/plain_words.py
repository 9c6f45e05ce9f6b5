"""What "plain words" means on a page, and how every page of the product is found.

Used by ``test_plain_words``; kept apart so the rules can be read (and tried on a copy of the
demo database) on their own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser

from django.apps import apps
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver

# --- what a page says --------------------------------------------------------------------

_SKIPPED_TAGS = {"script", "style", "template", "noscript"}
_SPOKEN_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}


class _Text(HTMLParser):
    """The words a reader sees or hears: text nodes, the labels of buttons and the attributes
    a screen reader reads out; not scripts, styles or values sent with a form."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        for name, value in attrs:
            if value and name in _SPOKEN_ATTRIBUTES:
                self.parts.append(value)
        if tag == "input" and dict(attrs).get("type") in ("submit", "button"):
            self.parts.append(dict(attrs).get("value") or "")

    def handle_endtag(self, tag):
        if tag in _SKIPPED_TAGS and self._skipping:
            self._skipping -= 1

    def handle_data(self, data):
        if not self._skipping and data.strip():
            self.parts.append(data.strip())


def page_text(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.parts


# A code as the program spells it: two or more lower-case words joined by "_".
SNAKE = re.compile(r"(?<![\w.@/-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w@])")
# A Latin word (on a Chinese page) and a run of Chinese (on an English page).
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
HAN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
# "(approve)": an enum value in brackets, as a calculation line printed its decision.
BRACKETED_CODE = re.compile(r"[(（]([a-z]+(?:_[a-z]+)*)[)）]")

# Latin words a Chinese page may carry: the product's name, abbreviations Chinese insurance
# staff use as they are, units and file types.
LATIN_ALLOWED = {
    "ClaimDesk",
    "English",  # the language switch names each language in itself
    "SLA",
    "KPI",
    "NPS",
    "CSAT",
    "RCA",
    "QA",
    "PDF",
    "CSV",
    "Excel",
    "xlsx",
    "csv",
    "API",
    "ID",
    "OCR",
    "CNY",
    "VIN",
    "App",
    "AI",
    "Q",
    "P",  # P50 / P80 percentiles
    "h",  # "3 h" durations
    "min",
    "s",
}
# A file format's own words, where a page describes the file (the bank's reconciliation CSV:
# its column names and the result values it accepts, as the file must spell them).
FILE_FORMAT_WORDS = {
    "reference",
    "status",
    "success",
    "failed",
    "amount",
    "bank_ref",
    "bank",
    "ref",
}
FILE_FORMAT_WORDS |= {"reason", "成功", "失败"}
# The language switch names each language in itself.
HAN_ALLOWED = {"简体中文", "中文"}
# Identifiers that are data, whatever the language: case, policy and payment numbers
# (CL2026…, PAUTO0001, PAY-…), demo user names (agent1), plates (沪A12345), e-mail addresses.
DATA_TOKEN = re.compile(
    r"^(?:[A-Z]{1,8}[-0-9][A-Z0-9-]*|[a-z]+[0-9]+|[A-Z][0-9]+|[\w.+-]+@[\w.-]+|[0-9A-Z]{2,})$"
)
# A token in the page text, with what surrounds it (e-mail, number, plate).
TOKEN = re.compile(r"[\w.+@-]+")


@dataclass(frozen=True)
class Finding:
    url: str
    language: str
    problem: str
    fragment: str
    context: str

    def __str__(self) -> str:
        return f"{self.url} [{self.language}] {self.problem}: {self.fragment!r} in …{self.context}…"


def _context(text: str, start: int, end: int) -> str:
    return text[max(0, start - 30) : end + 30].replace("\n", " ")


def findings(url: str, language: str, html: str, data: DataWords) -> Iterator[Finding]:
    """Every raw code, and every word in the other language that is not data, on a page."""
    for text in page_text(html):
        allowed = FILE_FORMAT_WORDS if "CSV" in text else set()
        for m in SNAKE.finditer(text):
            if m.group() not in allowed and not data.has_latin(m.group()):
                yield Finding(url, language, "raw code", m.group(), _context(text, *m.span()))
        for m in BRACKETED_CODE.finditer(text):
            # On an English page "(optional)" is a word; on a Chinese one "(approve)" a code.
            code = m.group(1)
            if language != "en" and not data.has_latin(code):
                yield Finding(url, language, "raw code", m.group(), _context(text, *m.span()))
        if language == "zh-hans":
            for m in TOKEN.finditer(text):
                token = m.group().strip(".-")
                if not LATIN_WORD.search(token) or DATA_TOKEN.match(token):
                    continue
                for word in LATIN_WORD.findall(token):
                    if word not in LATIN_ALLOWED | allowed and not data.has_latin(word):
                        yield Finding(
                            url,
                            language,
                            "English on a Chinese page",
                            word,
                            _context(text, *m.span()),
                        )
        else:
            for m in HAN_RUN.finditer(text):
                run = m.group()
                if run not in HAN_ALLOWED and run not in allowed and not data.has_han(run):
                    yield Finding(
                        url,
                        language,
                        "Chinese on an English page",
                        m.group(),
                        _context(text, *m.span()),
                    )


# --- what is data ----------------------------------------------------------------------------

# Columns that hold codes or machine values, never words a person typed or a name.
_CODE_COLUMNS = {
    "code",
    "kind",
    "status",
    "state",
    "category",
    "channel",
    "action",
    "unit",
    "role",
    "token",
    "key",
    "password",
    "decision",
    "loss_type",
    "line",
    "flags",
    "reference",
    "content_type",
    "mime_type",
    "sha256",
    "digest",
    "hash",
    "prev_hash",
    "codename",
    "app_label",
    "model",
    "permission",
    "path",
    "file",
    "storage_path",
    "session_key",
}
# Tables whose text the product wrote itself (audit and analytics rows): a code stored there
# must not excuse the same code on a page. Messages sent (notify) are data: the inbox shows
# each as it was sent, in the language of the day it was sent.
_GENERATED_APPS = {"ledger", "analytics", "sessions", "admin", "contenttypes", "auth"}


def _strings(value) -> Iterator[str]:
    """The string leaves of JSON-ish values."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


class DataWords:
    """Every word people and reference data put in the database: names, addresses, causes,
    product and coverage names, checklist items, messages customers wrote. A word of the
    other language is fine on a page when it is such data (a Chinese name on an English
    page), never when it is a label."""

    def __init__(self) -> None:
        chunks: list[str] = []
        han: list[str] = []  # what people wrote into JSON notes: data for Chinese runs only
        for model in apps.get_models():
            if model._meta.app_label in _GENERATED_APPS and model._meta.model_name != "user":
                continue
            notes = [f.name for f in model._meta.concrete_fields if isinstance(f, models.JSONField)]
            for row in model._default_manager.values_list(*notes) if notes else ():
                han.extend(_strings(row))
            columns = [
                f.name
                for f in model._meta.concrete_fields
                if isinstance(f, models.CharField | models.TextField)
                and not isinstance(f, models.SlugField)
                and not f.choices
                and f.name not in _CODE_COLUMNS
            ]
            if not columns:
                continue
            for row in model._default_manager.values_list(*columns):
                chunks.extend(v for v in row if v)
        self.corpus = "\n".join(chunks + han)
        typed = "\n".join(chunks)
        self.latin = set(LATIN_WORD.findall(typed)) | set(SNAKE.findall(typed))
        self._han: dict[str, bool] = {}
        # Every value a choice column stores (``approve``, ``item_received`` …).
        self.codes = {
            str(value)
            for model in apps.get_models()
            for f in model._meta.concrete_fields
            if f.choices
            for value, _label in f.flatchoices
        }

    def has_latin(self, word: str) -> bool:
        return word in self.latin

    def has_han(self, run: str) -> bool:
        if run not in self._han:
            self._han[run] = run in self.corpus
        return self._han[run]


# --- every page ------------------------------------------------------------------------------

# Django's admin, the JSON API and the language switch are not pages of the product; the
# rest is found by walking the URL configuration.
NOT_PAGES = ("admin", "api", "i18n")


@dataclass(frozen=True)
class Route:
    name: str  # namespace:name
    pattern: str
    arguments: tuple[str, ...]


def routes() -> list[Route]:
    found: list[Route] = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                text = str(p.pattern)
                if not prefix and text.rstrip("/").split("/")[0] in NOT_PAGES:
                    continue
                ns = p.namespace or namespace
                walk(p.url_patterns, prefix + text, ns)
            elif isinstance(p, URLPattern) and p.name:
                name = f"{namespace}:{p.name}" if namespace else p.name
                found.append(
                    Route(name, prefix + str(p.pattern), tuple(p.pattern.regex.groupindex))
                )

    walk(get_resolver().url_patterns, "", "")
    return found


ArgumentSource = Callable[[object], list[dict[str, str]]]
