"""Reads for investigation: the review of a claim (path, red flags, text hits) from the
claim, its policy, the other claims and the documents; the surveys a person may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import F, Q, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from claimdesk.claims.models import Claim
from claimdesk.documents.models import Document
from claimdesk.investigation import diseases, rules, tokens
from claimdesk.investigation.models import (
    CriticalIllness,
    Disease,
    ExclusionTerm,
    InvestigationSettings,
    Survey,
    SurveyStatus,
)
from claimdesk.investigation.rules import RiskFlag
from claimdesk.policies.models import Clause
from claimdesk.staff.services import is_staff_member
from claimdesk.types import Actor, Viewer
from claimdesk.workdays.clocks import to_local

# Documents whose date is about the person or vehicle, not the loss: no date check.
UNDATED_KINDS = frozenset({"id_card", "bank_card", "vehicle_license", "driver_license"})
PAID = ("approve", "partial")

__all__ = ["ClaimReview", "RiskFlag", "TextHit", "claim_review", "thresholds"]


@dataclass(frozen=True)
class TextHit:
    """A text-check hit shown to the adjuster; it decides nothing."""

    term: str
    kind: str  # "pre_existing" or "exclusion"
    kind_label: str
    source: str  # "description" or "document 12" (stable, for machines)
    source_label: str  # the same in the reader's language
    snippet: str
    detail: str = ""
    clause_article: str = ""
    clause_title: str = ""
    clause_text: str = ""


@dataclass(frozen=True)
class ClaimReview:
    path: str
    path_label: str
    flags: list[RiskFlag] = field(default_factory=list)
    text_hits: list[TextHit] = field(default_factory=list)
    illness: str = ""


def thresholds() -> rules.Thresholds:
    s = InvestigationSettings.current()
    return rules.Thresholds(
        online_loss_types=s.online_types(),
        online_limit=s.online_limit,
        early_loss_days=s.early_loss_days,
        near_sum_percent=s.near_sum_percent,
        repeat_count=s.repeat_count,
        repeat_window_days=s.repeat_window_days,
        date_mismatch_days=s.date_mismatch_days,
    )


def taxonomy() -> diseases.Taxonomy:
    """The admin's disease taxonomy (the active rows)."""
    return diseases.Taxonomy(
        diseases.Disease(code, name, tuple(synonyms or ()))
        for code, name, synonyms in Disease.objects.filter(active=True).values_list(
            "code", "name", "synonyms"
        )
    )


def listed_illnesses() -> list[diseases.Listed]:
    """The simplified-path list as codes (a row without a code lists nothing)."""
    return [
        diseases.Listed(code, name)
        for code, name in CriticalIllness.objects.filter(active=True)
        .exclude(code="")
        .order_by("name")
        .values_list("code", "name")
    ]


def document_fields(doc: Document) -> dict:
    """What a document states: the confirmed fields once staff confirmed them, else OCR's."""
    return dict(doc.confirmed_fields if doc.confirmed_fields is not None else doc.ocr_fields or {})


def document_label(doc: Document) -> str:
    return _("document %(id)s") % {"id": doc.pk}


def remaining_sum_insured(claim: Claim) -> Decimal:
    """The sum insured less what other claims on the policy were granted."""
    paid = (
        Claim.objects.filter(policy_id=claim.policy_id, decision__in=PAID)
        .exclude(pk=claim.pk)
        .aggregate(s=Sum("approved_amount"))["s"]
    ) or Decimal(0)
    return claim.policy.sum_insured - paid


def recent_claim_count(claim: Claim, days: int) -> int:
    """Claims of the same kind of loss on the same policy, or by the same insured person of
    the same holder, reported in the ``days`` before this one (this one included). Frequent
    claims of one kind are the signal (outpatient invoice after outpatient invoice); a car's
    repairs say nothing about a medical claim."""
    opened = claim.case.opened_at
    same = Q(policy_id=claim.policy_id) | Q(
        policy__holder_id=claim.policy.holder_id, insured_name=claim.insured_name
    )
    others = (
        Claim.objects.filter(same, loss_type=claim.loss_type)
        .filter(case__opened_at__gte=opened - timedelta(days=days), case__opened_at__lte=opened)
        .exclude(pk=claim.pk)
        .count()
    )
    return others + 1


def _facts(claim: Claim, docs: list[Document], t: rules.Thresholds) -> rules.ClaimFacts:
    diagnoses = [claim.loss_cause, claim.description]
    dates = []
    for doc in docs:
        fields = document_fields(doc)
        if fields.get("diagnosis"):
            diagnoses.append(str(fields["diagnosis"]))
        if fields.get("date") and doc.kind not in UNDATED_KINDS:
            try:
                day = date.fromisoformat(str(fields["date"]))
            except ValueError:
                continue
            dates.append(rules.DatedSource(document_label(doc), day))
    return rules.ClaimFacts(
        loss_type=claim.loss_type,
        amount=claim.estimated_amount,
        policy_start=claim.policy.start,
        loss_day=to_local(claim.loss_time).date(),
        remaining_sum_insured=remaining_sum_insured(claim),
        recent_claims=recent_claim_count(claim, t.repeat_window_days),
        diagnoses=tuple(d for d in diagnoses if d),
        document_dates=tuple(dates),
        product_line=claim.policy.product.line,
    )


def _terms_for(claim: Claim) -> list[ExclusionTerm]:
    """The active terms for the claim's product and loss type; the product's own first, so
    its pinned clause wins over a general term's."""
    product = claim.policy.product
    return list(
        ExclusionTerm.objects.filter(active=True)
        .filter(Q(product__isnull=True) | Q(product=product))
        .filter(Q(loss_type="") | Q(loss_type=claim.loss_type) | Q(loss_type=product.line))
        .select_related("clause")
        .order_by(F("product").asc(nulls_last=True), "id")
    )


def _clause_for(term: str, kind: str, chosen: Clause | None, exclusions: list[Clause]):
    """The clause a hit touches: the term's own, else the product's exclusion clause that
    mentions it (既往症 for pre-existing hints), else its first exclusion clause."""
    if chosen is not None:
        return chosen
    for clause in exclusions:
        if term in clause.text:
            return clause
    if kind == rules.PRE_EXISTING:
        return next((c for c in exclusions if "既往" in c.text), None)
    return exclusions[0] if exclusions else None


def _texts(claim: Claim, docs: list[Document]) -> list[tuple[str, str, str]]:
    """(source, label, text) of every text the checks read: the report, then each document."""
    texts = [
        (
            "description",
            pgettext("text source", "description"),
            " ".join(t for t in (claim.loss_cause, claim.description) if t),
        )
    ]
    for doc in docs:
        fields = document_fields(doc)
        parts = [doc.ocr_text] + [str(fields[k]) for k in ("diagnosis", "hospital") if k in fields]
        texts.append((f"document {doc.pk}", document_label(doc), "\n".join(p for p in parts if p)))
    return [(src, label, rules.normalise(text)) for src, label, text in texts if text.strip()]


def text_hits(
    claim: Claim,
    docs: list[Document] | None = None,
    known: diseases.Taxonomy | None = None,
) -> list[TextHit]:
    """Pre-existing-condition hints and exclusion triggers in the claim's texts: the terms'
    words, and the diseases named under the terms' codes."""
    if docs is None:
        docs = list(claim.documents.order_by("id"))
    if known is None:
        known = taxonomy()
    terms = _terms_for(claim)
    tokens.add_words(t.term for t in terms)
    specs = [rules.TermSpec(t.term, t.kind, t.pk, diseases.parse_codes(t.codes)) for t in terms]
    by_id: dict[object, ExclusionTerm] = {t.pk: t for t in terms}
    exclusions = list(
        Clause.objects.filter(
            product_id=claim.policy.product_id, kind=Clause.Kind.EXCLUSION
        ).order_by("article")
    )
    kind_labels = {
        rules.PRE_EXISTING: _("pre-existing condition hint"),
        rules.EXCLUSION: _("exclusion trigger"),
    }
    out: list[TextHit] = []
    seen: set[tuple[str, str, int]] = set()
    for source, label, text in _texts(claim, docs):
        found = rules.term_hits(text, specs, tokens.spans(text))
        found += rules.code_hits(text, specs, known)
        found += rules.earlier_diagnoses(text, claim.policy.start)
        for hit in sorted(found, key=lambda h: (h.start, h.term)):
            if (source, hit.term, hit.start) in seen:
                continue
            seen.add((source, hit.term, hit.start))
            term = by_id.get(hit.key)
            clause = _clause_for(hit.term, hit.kind, term.clause if term else None, exclusions)
            out.append(
                TextHit(
                    term=hit.term,
                    kind=hit.kind,
                    kind_label=kind_labels.get(hit.kind, hit.kind),
                    source=source,
                    source_label=label,
                    snippet=rules.snippet(text, hit.start, hit.end),
                    detail=hit.detail,
                    clause_article=clause.article if clause else "",
                    clause_title=clause.title if clause else "",
                    clause_text=clause.text if clause else "",
                )
            )
    return out


def claim_review(claim: Claim) -> ClaimReview:
    """The investigation review of a claim: path, every red flag with its reason, and the
    text-check hits with the clauses they touch. Nothing here decides the claim."""
    t = thresholds()
    docs = list(claim.documents.order_by("id"))
    known = taxonomy()
    routing = rules.route(_facts(claim, docs, t), t, listed_illnesses(), known)
    return ClaimReview(
        path=routing.path.value,
        path_label=rules.path_label(routing.path),
        flags=list(routing.flags),
        text_hits=text_hits(claim, docs, known),
        illness=routing.illness,
    )


def review_visible(user: Viewer) -> bool:
    """Reviews are for staff only: customers never see red flags or hits."""
    return is_staff_member(user)


def surveys_visible_to(user: Actor) -> QuerySet[Survey]:
    """Oversight sees every survey; others the ones they do or the claims they own."""
    surveys = Survey.objects.select_related("claim__case", "claim__policy", "surveyor", "task")
    if not user.is_authenticated or not is_staff_member(user):
        return surveys.none()
    if user.has_perm("cases.view_all_cases"):
        return surveys
    return surveys.filter(Q(surveyor=user) | Q(claim__case__owner=user))


def claim_red_flags(claim: Claim) -> list[dict[str, str]]:
    """The review's red flags as the adjuster's flag list reads them (code and reason)."""
    return [{"code": f.code, "reason": str(f.reason)} for f in claim_review(claim).flags]


def open_survey_for(user: Viewer, case_id: int) -> Survey | None:
    """The survey on this case that ``user`` is to report now, if any: the link from their
    task to the field report."""
    if not user.is_authenticated:
        return None
    return (
        Survey.objects.filter(
            claim__case_id=case_id, surveyor_id=user.pk, status=SurveyStatus.ASSIGNED
        )
        .order_by("-assigned_at")
        .first()
    )
