"""The disease taxonomy: illnesses by ICD-10 code with their Chinese names and synonyms, so a
diagnosis text maps to the codes it names and a code to the listed condition it belongs to.
Pure: the data comes from ``data/diseases.json`` (seeded into ``Disease``) or the caller.

Codes form a hierarchy by prefix: ``C73.x01`` (甲状腺乳头状癌) lies under ``C73`` (甲状腺癌);
a range ``C00-C97`` (恶性肿瘤) holds every code whose three-character category is in it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from claimdesk.seeddata import seed_data

# 否认甲状腺癌病史 / 排除心肌梗死 / 无高血压: a negation shortly before a name denies it.
_NEGATIONS = ("否认", "排除", "无", "未见", "未", "没有")
_CLAUSE_END = re.compile(r"[。；;！!？?\n,，、]")
_NEGATION_REACH = 6
_CODE_IN_TEXT = re.compile(
    r"(?<![A-Za-z0-9])([A-Z]\d{2}(?:\.[0-9xX][0-9A-Za-z]{0,6})?)(?![0-9A-Za-z])"
)
# A bare three-character code (B20) reads as a diagnosis only after words that say so, so a
# parking space or a room number is no disease; a code with its subdivision (I21.0) always.
_CODE_CONTEXT = ("ICD", "诊断", "编码", "代码", "疾病")
_CODE_CONTEXT_REACH = 10


def normalise(text: str) -> str:
    """NFKC and upper case: full-width letters, digits and punctuation read as plain."""
    return unicodedata.normalize("NFKC", text or "").upper()


def _category(code: str) -> str:
    return normalise(code).strip()[:3]


def code_under(code: str, parent: str) -> bool:
    """Whether ``code`` is ``parent`` or lies below it (by prefix, or in a range)."""
    code, parent = normalise(code).strip(), normalise(parent).strip()
    if not code or not parent:
        return False
    if "-" in parent:
        low, high = (p.strip()[:3] for p in parent.split("-", 1))
        category = code.split("-", 1)[0][:3]
        if "-" in code:  # a range lies under a range that holds both its ends
            first, last = (p.strip()[:3] for p in code.split("-", 1))
            return low <= first and last <= high
        return len(category) == 3 and low <= category <= high
    if "-" in code:
        return False
    return (
        code == parent
        or code.startswith(parent + ".")
        or (len(parent) == 3 and code[:3] == parent and len(code) > 3)
    )


def parse_codes(text: str) -> tuple[str, ...]:
    """``"B20-B24, Z21"`` → ``("B20-B24", "Z21")`` (comma, 、 or space separated)."""
    return tuple(c for c in re.split(r"[\s,，、;；]+", normalise(text)) if c)


@dataclass(frozen=True)
class Disease:
    code: str
    name: str
    synonyms: tuple[str, ...] = ()

    def names(self) -> tuple[str, ...]:
        return (self.name, *self.synonyms)


@dataclass(frozen=True)
class Mention:
    """A disease named in a text: where, by which name, and its code."""

    code: str
    name: str  # the disease's own name
    said: str  # the words the text used
    start: int
    end: int


def _negated(text: str, start: int) -> bool:
    before = text[max(0, start - _NEGATION_REACH) : start]
    cut = list(_CLAUSE_END.finditer(before))
    if cut:
        before = before[cut[-1].end() :]
    return any(word in before for word in _NEGATIONS)


class Taxonomy:
    """The diseases an admin keeps, with the lookups the checks need."""

    def __init__(self, diseases: Iterable[Disease]):
        self.diseases = tuple(diseases)
        self._by_code = {normalise(d.code): d for d in self.diseases}
        # Longest name first: 甲状腺乳头状癌 wins over a shorter name inside it.
        pairs = {(normalise(n), d) for d in self.diseases for n in d.names() if n.strip()}
        self._names = sorted(pairs, key=lambda p: (-len(p[0]), p[0], p[1].code))

    def get(self, code: str) -> Disease | None:
        return self._by_code.get(normalise(code).strip())

    def mentions(self, text: str) -> list[Mention]:
        """Every disease the text names (by name, synonym or ICD code), not denied, without
        overlaps (the longest name wins)."""
        plain = normalise(text)
        taken: list[tuple[int, int]] = []
        found: list[Mention] = []

        def free(s: int, e: int) -> bool:
            return all(e <= ts or s >= te for ts, te in taken)

        for name, disease in self._names:
            pos = plain.find(name)
            while pos >= 0:
                end = pos + len(name)
                if free(pos, end) and not _negated(plain, pos):
                    taken.append((pos, end))
                    found.append(Mention(disease.code, disease.name, name, pos, end))
                pos = plain.find(name, pos + 1)
        for m in _CODE_IN_TEXT.finditer(plain):
            code = m.group(1)
            if not free(m.start(), m.end()) or _negated(plain, m.start()):
                continue
            before = plain[max(0, m.start() - _CODE_CONTEXT_REACH) : m.start()]
            if "." not in code and not any(word in before for word in _CODE_CONTEXT):
                continue
            known = self.get(code) or self._nearest(code)
            taken.append((m.start(), m.end()))
            found.append(Mention(code, known.name if known else code, code, m.start(), m.end()))
        return sorted(found, key=lambda x: (x.start, x.code))

    def _nearest(self, code: str) -> Disease | None:
        """The most specific known disease a bare code lies under (C73.902 → C73)."""
        parents = [d for d in self.diseases if code_under(code, d.code)]
        return max(parents, key=lambda d: _specificity(d.code), default=None)

    def codes_in(self, texts: Iterable[str]) -> tuple[str, ...]:
        """The codes the texts name, in order of first mention, each once."""
        out: list[str] = []
        for text in texts:
            for mention in self.mentions(text):
                if mention.code not in out:
                    out.append(mention.code)
        return tuple(out)


def _specificity(code: str) -> tuple[int, int]:
    """Narrower sorts higher: a code over a range, a longer code over its prefix, a narrower
    range over a wider one."""
    code = normalise(code)
    if "-" in code:
        low, high = code.split("-", 1)
        width = (ord(high[0]) - ord(low[0])) * 100 + int(high[1:3] or 0) - int(low[1:3] or 0)
        return (0, -width)
    return (1, len(code))


@dataclass(frozen=True)
class Listed:
    """A condition on a list (simplified investigation, exclusions): its code and name."""

    code: str
    name: str


def belongs_to(codes: Sequence[str], listed: Iterable[Listed]) -> Listed | None:
    """The listed condition the first matching code belongs to, the narrowest one when
    several hold it (甲状腺乳头状癌 → 甲状腺癌 rather than 恶性肿瘤), else None."""
    entries = [e for e in listed if e.code.strip()]
    for code in codes:
        holding = [e for e in entries if code_under(code, e.code)]
        if holding:
            return max(holding, key=lambda e: _specificity(e.code))
    return None


@cache
def default_diseases() -> tuple[Disease, ...]:
    """The shipped taxonomy (``data/diseases.json``)."""
    return tuple(
        Disease(row["code"], row["name"], tuple(row.get("synonyms", ())))
        for row in seed_data("claimdesk.investigation", "diseases.json")
    )


def default_taxonomy() -> Taxonomy:
    return Taxonomy(default_diseases())
