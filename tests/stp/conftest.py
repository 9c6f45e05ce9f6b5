"""Straight-through claims built through the real services: a medical policy in force for
200 days, a claim reported through ``claim_report`` and an invoice image the test draws,
uploaded through ``document_upload`` and read by the real OCR engine (tasks are eager)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ImageFont

from claimdesk.claims.services import claim_report
from claimdesk.documents.services import document_upload
from claimdesk.policies.demo import demo_bank_account, demo_policy
from claimdesk.stp.models import StpCheck, StpReview, StpSettings
from tests.conftest import at, worker_ran
from tests.documents.conftest import FONT, encode, text_image

T0 = at("2026-09-30 10:00")
LOSS = at("2026-09-29 09:30")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def medical_policy(holder, products):
    """``holder``'s medical policy MED202600001, in force for 200 days (past its waiting
    period), insured 张三."""
    return demo_policy(
        number="MED202600001",
        holder=holder,
        line="medical",
        start=(T0 - timedelta(days=200)).date(),
        insured_name="张三",
        products=products,
    )


@pytest.fixture
def policy(customer1, products, agent1, finance1):
    demo_bank_account(customer1, "张三", "6222021001000001")
    return medical_policy(customer1, products)


def sampled_review(customer, upload) -> StpReview:
    """``customer``'s ¥280 outpatient claim on MED202600001, its invoice read by OCR,
    decided straight through and sampled for review (every automatic decision above ¥100
    is): the review a QA manager confirms or reopens. The customer needs a default bank
    account and a manager must exist to take the review."""
    settings = StpSettings.current()
    settings.review_all_above = Decimal("100")
    settings.save()
    claim = report_claim(customer)
    upload(claim, customer)
    check = StpCheck.objects.get(claim=claim)
    assert check.outcome == "automatic", [r for r in check.results if not r["passed"]]
    return StpReview.objects.get(claim=claim)


def invoice_lines(amount: str = "280.00", name: str = "张三", day: str = "2026年9月29日"):
    return [
        "门诊收费票据",
        f"姓名：{name}",
        "医院：上海市第一人民医院",
        f"日期：{day}",
        f"金额合计：¥{amount}",
    ]


def report_claim(customer, *, amount: str = "280", policy_no: str = "MED202600001", **extra):
    report = {
        "policy_no": policy_no,
        "insured_name": "张三",
        "loss_time": LOSS,
        "loss_place": "上海市第一人民医院",
        "loss_cause": "急性肠胃炎门诊",
        "description": "腹痛到上海市第一人民医院门诊就诊，配药",
        "loss_type": "medical",
        "estimated_amount": amount,
        "contact_phone": "13812345678",
        **extra,
    }
    return claim_report(reporter=customer, report=report, channel="portal", now=T0).claim


@pytest.fixture(scope="session")
def invoice_font():
    if not FONT.exists():
        pytest.skip(f"{FONT} is missing: install Debian's fonts-noto-cjk to run the OCR tests")
    return ImageFont.truetype(str(FONT), 32, index=2)


@pytest.fixture
def upload(django_capture_on_commit_callbacks, invoice_font):
    """Upload an invoice image as the customer; what follows the commit (the OCR task, the
    timeline dispatch, the straight-through check) runs as a worker would."""

    def run(claim, customer, lines=None):
        data = encode(text_image(invoice_font, lines or invoice_lines()), "PNG")
        file = SimpleUploadedFile("invoice.png", data, content_type="image/png")
        with django_capture_on_commit_callbacks(execute=True):
            document = document_upload(
                claim=claim, file=file, actor=customer, now=T0, item_code="medical_invoice"
            ).document
        with django_capture_on_commit_callbacks(execute=True):
            worker_ran()  # the committed OCR lines to their readers: the check is queued
        return document

    return run
