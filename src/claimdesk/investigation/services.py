"""Writes of investigation: assigning a survey, its report and the written result to the
customer, repair-shop objections on their 24-hour clock, and the appraisal-institution
selection. Each function is one business action in one transaction; ``now`` comes from the
caller."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from claimdesk.cases.licences import licence_gate
from claimdesk.cases.models import Case, TaskStatus
from claimdesk.cases.services import (
    GuardFailed,
    IllegalTransition,
    NotAllowed,
    can_act,
    case_transition,
    deadline_start,
    deadline_stop,
    escalation_recipient,
    task_assign,
    task_complete,
)
from claimdesk.cases.timeline import case_action, timeline_record
from claimdesk.claims.models import Claim
from claimdesk.claims.services import reserve_on_survey
from claimdesk.documents import rules as document_rules
from claimdesk.documents.models import Document
from claimdesk.documents.services import document_upload, max_upload_bytes
from claimdesk.investigation import rules
from claimdesk.investigation.models import (
    AppraisalInstitution,
    AppraisalReferral,
    ObjectionStatus,
    RepairObjection,
    Survey,
    SurveyLossItem,
    SurveyStatus,
)
from claimdesk.notify.services import notification_queue
from claimdesk.policies.models import Clause
from claimdesk.staff import licences
from claimdesk.staff.roles import Role
from claimdesk.staff.services import certified_user_ids, is_staff_member
from claimdesk.types import Actor
from claimdesk.workdays.clocks import to_local

User = get_user_model()

NEV_CERTIFICATE = "nev"
SURVEY_TASK = "survey"
SURVEY_RULE = "survey_onsite"
RECHECK_RULE = "repair_recheck"
# The claim workflow's step the surveyor's report completes (调查定损 → 核定).
ASSESSMENT_DONE = "assessment_done"
PHOTO_TYPES = ("image/jpeg", "image/png")
SIGNATURE_MAX_BYTES = 2 * 1024 * 1024
# Who may record or re-check a repair shop's objection: the people who handle the claim.
OBJECTION_PERMISSIONS = ("claims.handle_survey", "claims.decide_claim", "cases.assign_task")


def _places(claim: Claim) -> tuple[str, ...]:
    return (claim.loss_place, claim.policy.insured_address)


def required_certificate(claim: Claim) -> str:
    """New-energy-vehicle cases need the ``nev`` certificate besides the surveyor's."""
    return NEV_CERTIFICATE if claim.policy.new_energy_vehicle else ""


def _survey_needs(certificate: str) -> tuple[licences.Need, ...]:
    """Every survey needs the surveyor's certificate; ``certificate`` adds its own."""
    return licences.survey_needs(new_energy_vehicle=certificate == NEV_CERTIFICATE)


def surveyor_candidates(claim: Claim, *, on) -> list[rules.Candidate]:
    """Every active surveyor with region match, open survey load and certification (every
    certificate the claim's survey needs, valid on the day)."""
    needs = _survey_needs(required_certificate(claim))
    certified = set.intersection(*(certified_user_ids(n.code, on, n.grade) for n in needs))
    people = (
        User.objects.filter(is_active=True, groups__name=Role.SURVEYOR.value)
        .select_related("staff_profile")
        .annotate(
            load=Count("tasks", filter=Q(tasks__status=TaskStatus.OPEN, tasks__kind=SURVEY_TASK))
        )
        .order_by("username")
    )
    places = _places(claim)
    out = []
    for person in people:
        profile = getattr(person, "staff_profile", None)
        out.append(
            rules.Candidate(
                user_id=person.pk,
                username=person.username,
                in_region=rules.region_matches(profile.region if profile else "", *places),
                load=person.load,
                certified=person.pk in certified,
            )
        )
    return out


def survey_assign(
    *, claim: Claim, actor: Actor, now: datetime, surveyor: Actor | None = None
) -> Survey:
    """Send a surveyor to the claim: the one given (who must hold every certificate the
    survey needs, valid today), else the best certified one by region and load. A kernel
    task with the 48-hour on-site clock; it comes back to the owner."""
    certificate = required_certificate(claim)
    needs = _survey_needs(certificate)
    if surveyor is None:
        chosen = rules.pick_surveyor(
            surveyor_candidates(claim, on=to_local(now).date()), need_certificate=True
        )
        if chosen is None:
            raise GuardFailed(
                _("No surveyor with a valid %(code)s certificate is available.")
                % {"code": "、".join(licences.need_label(n) for n in needs)}
            )
        surveyor = User.objects.get(pk=chosen)
    elif not surveyor.is_active or not surveyor.has_perm("claims.handle_survey"):
        raise GuardFailed(_("%(user)s is not a surveyor.") % {"user": surveyor.username})
    else:
        licence_gate(
            user=surveyor,
            needs=needs,
            act=_("On-site survey of %(number)s") % {"number": claim.number},
            now=now,
            case=claim.case,
        )
    try:
        with case_action(savepoint=True):
            # The case row lock (as task_assign takes it) serialises two assignments at once.
            Case.objects.select_for_update(no_key=True).filter(pk=claim.case_id).first()
            if claim.site_surveys.filter(status=SurveyStatus.ASSIGNED).exists():
                raise IllegalTransition(
                    _("Claim %(number)s already has a survey under way.") % {"number": claim.number}
                )
            task = task_assign(
                case=claim.case,
                kind=SURVEY_TASK,
                title=_("On-site survey of %(number)s") % {"number": claim.number},
                assignee=surveyor,
                actor=actor,
                now=now,
                rule_code=SURVEY_RULE,
                certificate=certificate,
            )
            return Survey.objects.create(
                claim=claim,
                surveyor=surveyor,
                task=task,
                certificate=certificate,
                assigned_by=actor,
                assigned_at=now,
            )
    except IntegrityError as exc:  # a concurrent assignment won the race
        raise IllegalTransition(
            _("Claim %(number)s already has a survey under way.") % {"number": claim.number}
        ) from exc


def _report_gate(survey: Survey, actor: Actor, now: datetime) -> None:
    """The surveyor's certificates must still be valid when they report: an expired one
    stops the report (and tells their manager)."""
    if actor.pk != survey.surveyor_id:
        return  # refused as someone else's survey further on
    claim = Claim.objects.select_related("case").get(pk=survey.claim_id)
    licence_gate(
        user=actor,
        needs=_survey_needs(survey.certificate),
        act=_("Survey report of %(number)s") % {"number": claim.number},
        now=now,
        case=claim.case,
    )


def survey_basis(claim: Claim) -> str:
    """The clauses an assessment rests on: the product's coverage clauses."""
    clauses = Clause.objects.filter(
        product_id=claim.policy.product_id, kind=Clause.Kind.COVERAGE
    ).order_by("article")
    product = claim.policy.product.name
    return "；".join(f"《{product}》第{c.article}条 {c.title}" for c in clauses)


def survey_report_submit(
    *,
    survey: Survey,
    actor: Actor,
    now: datetime,
    findings: str,
    assessed_loss: Decimal,
    method: str,
    photos: Sequence[int] = (),
    basis: str = "",
) -> Survey:
    """The surveyor's report: stored, the task returns to the case owner, and the customer
    gets the written result (basis, how the loss was computed, how to object)."""
    from claimdesk.notices.services import notice_issue

    findings, method, basis = findings.strip(), method.strip(), basis.strip()
    if not findings or not method:
        raise GuardFailed(_("The report needs the findings and how the loss was computed."))
    if assessed_loss is None or not assessed_loss.is_finite() or assessed_loss < 0:
        raise GuardFailed(_("The assessed loss must be an amount of zero or more."))
    assessed_loss = assessed_loss.quantize(Decimal("0.01"))
    _report_gate(survey, actor, now)
    with case_action():
        survey = (
            Survey.objects.select_for_update(of=("self",))
            .select_related("claim__case", "claim__policy__product", "task", "surveyor")
            .get(pk=survey.pk)
        )
        if actor.pk != survey.surveyor_id:
            raise NotAllowed(_("Only the assigned surveyor can report this survey."))
        if survey.status != SurveyStatus.ASSIGNED:
            raise IllegalTransition(
                _("This survey is already %(status)s.") % {"status": survey.get_status_display()}
            )
        claim = survey.claim
        photo_ids = sorted({int(p) for p in photos})
        docs = list(Document.objects.filter(claim=claim, pk__in=photo_ids))
        if len(docs) != len(photo_ids):
            raise GuardFailed(_("Photos must be documents of this claim."))
        basis = basis or survey_basis(claim)
        survey.findings, survey.method, survey.basis = findings, method, basis
        survey.assessed_loss = assessed_loss
        survey.status = SurveyStatus.REPORTED
        survey.reported_at = now
        survey.save(
            update_fields=[
                "findings",
                "method",
                "basis",
                "assessed_loss",
                "status",
                "reported_at",
            ]
        )
        survey.photos.set(docs)
        # The written result first: issuing it needs the surveyor's open task.
        notice_issue(
            case=claim.case,
            kind="survey_result",
            context={
                "findings": findings,
                "assessed_loss": assessed_loss,
                "method": method,
                "basis": basis,
                "surveyor": survey.surveyor.get_full_name() or survey.surveyor.username,
            },
            actor=actor,
            now=now,
        )
        task_complete(
            task=survey.task,
            actor=actor,
            now=now,
            result=_("Survey reported: assessed loss %(amount)s") % {"amount": assessed_loss},
        )
        # The survey's result is the best estimate until a calculation: the case reserve.
        reserve_on_survey(claim, assessed=assessed_loss, actor=actor, now=now)
    return survey


def _may_handle(actor: Actor, case: Case) -> bool:
    return any(can_act(actor, case, p) for p in OBJECTION_PERMISSIONS)


def repair_objection_raise(
    *, survey: Survey, actor: Actor, now: datetime, shop: str, text: str, amount_claimed: Decimal
) -> RepairObjection:
    """Record a repair shop's objection to the assessment and start the 24-hour re-check."""
    shop, text = shop.strip(), text.strip()
    if not shop or not text:
        raise GuardFailed(_("Name the repair shop and its objection."))
    if amount_claimed is None or not amount_claimed.is_finite() or amount_claimed < 0:
        raise GuardFailed(_("The amount the shop claims must be zero or more."))
    with case_action():
        survey = Survey.objects.select_related("claim__case").get(pk=survey.pk)
        case = survey.claim.case
        if not is_staff_member(actor) or not _may_handle(actor, case):
            raise NotAllowed(
                _("You may not record objections on claim %(number)s.") % {"number": case.number}
            )
        if survey.status != SurveyStatus.REPORTED:
            raise IllegalTransition(_("An objection needs a reported assessment."))
        deadline = deadline_start(case=case, rule_code=RECHECK_RULE, now=now, actor=actor)
        objection = RepairObjection.objects.create(
            survey=survey,
            shop=shop[:100],
            text=text,
            amount_claimed=amount_claimed.quantize(Decimal("0.01")),
            raised_by=actor,
            raised_at=now,
            deadline=deadline,
        )
        timeline_record(
            case,
            now=now,
            actor=actor,
            kind="repair_objection",
            data={
                "objection": objection.pk,
                "shop": objection.shop,
                "amount_claimed": str(objection.amount_claimed),
                "due_at": deadline.due_at if deadline else None,
                "text": _("Repair shop %(shop)s objects to the assessment (claims %(amount)s).")
                % {"shop": objection.shop, "amount": objection.amount_claimed},
            },
        )
    return objection


def repair_objection_resolve(
    *,
    objection: RepairObjection,
    actor: Actor,
    now: datetime,
    resolution: str,
    rechecked_amount: Decimal | None = None,
) -> RepairObjection:
    """Record the re-check; the 24-hour clock stops (met or breached) once no objection on
    the case still waits for it."""
    resolution = resolution.strip()
    if not resolution:
        raise GuardFailed(_("Say what the re-check found."))
    if rechecked_amount is not None and (not rechecked_amount.is_finite() or rechecked_amount < 0):
        raise GuardFailed(_("The amount after the re-check must be zero or more."))
    with case_action():
        objection = (
            RepairObjection.objects.select_for_update(of=("self",))
            .select_related("survey__claim__case", "deadline")
            .get(pk=objection.pk)
        )
        case = objection.survey.claim.case
        if not is_staff_member(actor) or not _may_handle(actor, case):
            raise NotAllowed(
                _("You may not re-check objections on claim %(number)s.") % {"number": case.number}
            )
        if objection.status != ObjectionStatus.OPEN:
            raise IllegalTransition(_("This objection is already resolved."))
        objection.status = ObjectionStatus.RESOLVED
        objection.resolution = resolution
        objection.rechecked_amount = (
            rechecked_amount.quantize(Decimal("0.01")) if rechecked_amount is not None else None
        )
        objection.resolved_by, objection.resolved_at = actor, now
        objection.save(
            update_fields=["status", "resolution", "rechecked_amount", "resolved_by", "resolved_at"]
        )
        deadline = objection.deadline
        if (
            deadline is not None
            and not RepairObjection.objects.filter(
                deadline=deadline, status=ObjectionStatus.OPEN
            ).exists()
        ):
            deadline_stop(deadline=deadline, now=now, actor=actor)
        timeline_record(
            case,
            now=now,
            actor=actor,
            kind="repair_objection_resolved",
            data={
                "objection": objection.pk,
                "resolution": resolution,
                "text": _("Repair-shop objection re-checked: %(resolution)s")
                % {"resolution": resolution},
                "rechecked_amount": str(objection.rechecked_amount)
                if objection.rechecked_amount is not None
                else None,
            },
        )
    return objection


class InstitutionUnlicensed(GuardFailed):
    """The named institution's licence has expired; the manager was told."""


def _institution_refusal(
    institution: AppraisalInstitution, qualification: str, on
) -> tuple[str, bool]:
    """Why a registry institution cannot take this appraisal (empty: it can), and whether
    the reason is an expired licence."""
    if not institution.active:
        return _("%(name)s is not active in the registry.") % {"name": institution.name}, False
    if qualification not in institution.qualification_set():
        return (
            _("%(name)s is not qualified for %(q)s.")
            % {"name": institution.name, "q": qualification},
            False,
        )
    if not institution.licensed_on(on):
        assert institution.licence_expires_on is not None
        return (
            _("The licence of %(name)s expired on %(day)s.")
            % {"name": institution.name, "day": institution.licence_expires_on.isoformat()},
            True,
        )
    return "", False


def _tell_manager_licence_expired(
    claim: Claim, actor: Actor | None, now: datetime, reason: str
) -> None:
    """An expired institution licence goes to the manager of whoever chose it (else any
    manager), so the registry is put right."""
    manager = escalation_recipient(actor)
    if manager is None or (actor is not None and manager.pk == actor.pk):
        return
    with transaction.atomic():
        notification_queue(
            recipient=manager,
            case=claim.case,
            kind="licence_expired",
            now=now,
            subject=_("Expired licence stopped an appraisal referral on %(number)s")
            % {"number": claim.number},
            body=reason,
        )


def appraisal_select(
    *,
    claim: Claim,
    now: datetime,
    qualification: str = "disability",
    actor: Actor | None = None,
    institution: int | None = None,
) -> AppraisalInstitution:
    """Refer the claim to an appraisal institution of the registry, and record it: the one
    named (``institution``: a registry id; it must be active, qualified and licensed today),
    else the one the published rotation rule chooses among those licensed today. An
    expired licence of the named one stops the referral and tells the manager."""
    if actor is not None and (not is_staff_member(actor) or not _may_handle(actor, claim.case)):
        raise NotAllowed(
            _("You may not refer claim %(number)s for appraisal.") % {"number": claim.number}
        )
    on = to_local(now).date()
    if institution is not None:
        named = AppraisalInstitution.objects.filter(pk=institution).first()
        if named is None:
            raise GuardFailed(_("Only institutions of the appraisal registry may be chosen."))
        reason, expired = _institution_refusal(named, qualification, on)
        if reason:
            if expired:
                _tell_manager_licence_expired(claim, actor, now, reason)
                raise InstitutionUnlicensed(
                    reason + " " + _("The manager has been told."), institution=named.name
                )
            raise GuardFailed(reason)
    with case_action():
        rows = list(
            AppraisalInstitution.objects.select_for_update().filter(active=True).order_by("name")
        )
        if institution is not None:
            qualified = [i for i in rows if i.pk == institution]
        else:
            qualified = [
                i for i in rows if qualification in i.qualification_set() and i.licensed_on(on)
            ]
        places = _places(claim)
        key = rules.pick_institution(
            rules.Institution(
                i.pk, i.name, rules.region_matches(i.region, *places), i.last_selected_at
            )
            for i in qualified
        )
        if key is None:
            raise GuardFailed(
                _("No active institution is qualified for %(q)s.") % {"q": qualification}
            )
        chosen = next(i for i in qualified if i.pk == key)
        chosen.last_selected_at = now
        chosen.times_selected += 1
        chosen.save(update_fields=["last_selected_at", "times_selected"])
        AppraisalReferral.objects.create(
            claim=claim, institution=chosen, qualification=qualification, selected_at=now
        )
        timeline_record(
            claim.case,
            now=now,
            actor=actor,
            kind="appraisal_selected",
            data={
                "institution": chosen.name,
                "qualification": qualification,
                "text": (
                    _("Appraisal institution chosen from the registry: %(name)s")
                    if institution is not None
                    else _("Appraisal institution selected by rotation: %(name)s")
                )
                % {"name": chosen.name},
            },
        )
    return chosen


# --- the surveyor's field report ---------------------------------------------------------------


class FieldReportInvalid(GuardFailed):
    """The field report is incomplete or wrong; ``details["errors"]`` says where, by field
    (``loss_items`` rows as ``loss_items.<n>.<field>``)."""


def field_photo_problem(file: File) -> str:
    """Why a file cannot be a survey photo (empty when it can): a JPEG or PNG by its bytes,
    within the documents' upload limit."""
    limit = max_upload_bytes()
    size = getattr(file, "size", None) or 0
    if size > limit:
        return _("%(name)s is larger than the limit of %(limit)s MB.") % {
            "name": file.name,
            "limit": limit // (1024 * 1024),
        }
    file.seek(0)
    head = file.read(document_rules.SNIFF_BYTES)
    file.seek(0)
    if not head:
        return _("%(name)s is empty.") % {"name": file.name}
    if document_rules.sniff_content_type(head) not in PHOTO_TYPES:
        return _("%(name)s is not a photo (JPEG or PNG).") % {"name": file.name}
    return ""


def signature_problem(png: bytes) -> str:
    """Why the captured signature cannot be kept (empty when it can): a PNG with something
    drawn on it."""
    from PIL import Image, UnidentifiedImageError

    if not png or document_rules.sniff_content_type(png[:16]) != "image/png":
        return _("The on-site party has not signed yet.")
    if len(png) > SIGNATURE_MAX_BYTES:
        return _("The signature image is too large.")
    try:
        with Image.open(io.BytesIO(png)) as image:
            if image.width * image.height > 4_000_000:
                return _("The signature image is too large.")
            rgba = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return _("The on-site party has not signed yet.")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    ink = Image.alpha_composite(white, rgba).convert("L").point(lambda v: 255 if v < 200 else 0)
    if ink.getbbox() is None:
        return _("The on-site party has not signed yet.")
    return ""


def survey_field_report_submit(
    *,
    survey: Survey,
    actor: Actor,
    now: datetime,
    findings: str,
    loss_lines: Sequence[rules.LossLine],
    photos: Sequence[File],
    signature_png: bytes,
    signer_name: str,
    note: str = "",
) -> Survey:
    """The surveyor's report from the site, all or nothing: the photos and the on-site
    party's signature stored as documents of the claim, the loss list whose sum is the
    assessed loss, the claim's "loss assessment done" step when the claim is in
    investigation, then the report itself (task back to the owner, written result to the
    customer)."""
    findings, signer_name = findings.strip(), signer_name.strip()
    errors: dict[str, str] = {}
    if not findings:
        errors["findings"] = _("Describe what you found on site.")
    if not loss_lines:
        errors["loss_items"] = _("List at least one damaged item.")
    elif len(loss_lines) > rules.MAX_LOSS_ITEMS:
        errors["loss_items"] = _("At most %(n)s loss items.") % {"n": rules.MAX_LOSS_ITEMS}
    for n, line in enumerate(loss_lines):
        for name, problem in rules.loss_line_problems(line).items():
            errors[f"loss_items.{n}.{name}"] = problem
    if not photos:
        errors["photos"] = _("Add at least one photo of the loss.")
    elif len(photos) > rules.MAX_FIELD_PHOTOS:
        errors["photos"] = _("At most %(n)s photos.") % {"n": rules.MAX_FIELD_PHOTOS}
    else:
        problems = [p for p in (field_photo_problem(f) for f in photos) if p]
        if problems:
            errors["photos"] = " ".join(problems)
    if not signer_name:
        errors["signer_name"] = _("Name the person who signs on site.")
    elif len(signer_name) > 60:
        errors["signer_name"] = _("At most 60 characters.")
    if problem := signature_problem(signature_png):
        errors["signature"] = problem
    if errors:
        raise FieldReportInvalid(
            _("The report is not complete; see the marked fields."), errors=errors
        )
    _report_gate(survey, actor, now)
    with case_action():
        survey = (
            Survey.objects.select_for_update(of=("self",))
            .select_related("claim__case")
            .get(pk=survey.pk)
        )
        if actor.pk != survey.surveyor_id:
            raise NotAllowed(_("Only the assigned surveyor can report this survey."))
        if survey.status != SurveyStatus.ASSIGNED:
            raise IllegalTransition(
                _("This survey is already %(status)s.") % {"status": survey.get_status_display()}
            )
        claim = survey.claim
        photo_ids = [
            document_upload(claim=claim, file=f, actor=actor, now=now).document.pk for f in photos
        ]
        stamp = to_local(now).strftime("%Y%m%d-%H%M")
        signature = File(io.BytesIO(signature_png), name=f"signature-{stamp}.png")
        survey.signature = document_upload(
            claim=claim, file=signature, actor=actor, now=now
        ).document
        survey.signer_name = signer_name
        survey.save(update_fields=["signature", "signer_name"])
        SurveyLossItem.objects.bulk_create(
            SurveyLossItem(
                survey=survey,
                position=n,
                description=line.description.strip()[:100],
                quantity=line.quantity,
                amount=line.amount.quantize(Decimal("0.01")),
            )
            for n, line in enumerate(loss_lines, start=1)
        )
        case = claim.case
        if any(t.action == ASSESSMENT_DONE for t in case.workflow.available(case.status)):
            # Through the claim's own step while the surveyor still holds the task.
            case_transition(case=case, action=ASSESSMENT_DONE, actor=actor, now=now)
        return survey_report_submit(
            survey=survey,
            actor=actor,
            now=now,
            findings=findings,
            assessed_loss=rules.loss_total(loss_lines),
            method=rules.loss_method_text(loss_lines, note),
            photos=photo_ids,
        )
