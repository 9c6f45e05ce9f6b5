"""The knowledge base a new installation starts with (``data/faq.json``): the claims-service
questions customers ask most, answered from the process rules (SPEC: report intake, 容缺受理,
clocks, objection and complaint channels). Seeded into ``FaqEntry`` once; admins edit it there
afterwards.

Answers describe the usual course and the time commitments without absolute promises: the
contract and the facts of the case decide.
"""

from __future__ import annotations

from dataclasses import dataclass

from claimdesk.seeddata import seed_data


@dataclass(frozen=True)
class Faq:
    slug: str
    category: str
    question_zh: str
    question_en: str
    answer_zh: str
    answer_en: str
    alternates: tuple[str, ...] = ()
    keywords: str = ""


FAQS: tuple[Faq, ...] = tuple(
    Faq(**{**entry, "alternates": tuple(entry.get("alternates", ()))})
    for entry in seed_data("claimdesk.assistant", "faq.json")
)
