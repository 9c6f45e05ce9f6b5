"""Helpers for the documents tests: claims built through ``claim_report``, files the tests
make themselves (Chinese text rendered with Noto CJK), multipart uploads checked against
the OpenAPI schema."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
import time_machine
from django.test import Client
from PIL import Image, ImageDraw, ImageFont

from claimdesk.claims.services import claim_report
from claimdesk.policies.demo import demo_policy
from claimdesk.staff.services import token_issue
from tests.api.conftest import check_against_openapi
from tests.conftest import PASSWORD, at

T0 = at("2026-09-30 10:00")
FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
INVOICE = [
    "医疗费用发票",
    "姓名：张三",
    "医院：上海市第一人民医院",
    "日期：2026年9月28日",
    "金额合计：¥1,234.56",
]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def report(policy_no: str, loss_type: str, **extra) -> dict:
    return {
        "policy_no": policy_no,
        "insured_name": "张三",
        "loss_time": at("2026-09-27 18:00"),
        "loss_place": "上海市浦东新区",
        "loss_cause": "急性阑尾炎住院" if loss_type == "medical" else "追尾",
        "description": "住院手术" if loss_type == "medical" else "等红灯被追尾",
        "loss_type": loss_type,
        "estimated_amount": "3200",
        "contact_phone": "13812345678",
        **extra,
    }


@pytest.fixture
def medical_policy(customer1, products):
    return demo_policy(
        number="PMED0001",
        holder=customer1,
        line="medical",
        start=date(2026, 1, 1),
        insured_name="张三",
        products=products,
    )


@pytest.fixture
def claim(medical_policy, customer1, agent1):
    """customer1's medical claim, owned by agent1 (the least-loaded agent)."""
    return claim_report(
        reporter=customer1, report=report("PMED0001", "medical"), channel="api", now=T0
    ).claim


@pytest.fixture
def other_claim(customer2, products, agent1):
    demo_policy(
        number="PMED0002",
        holder=customer2,
        line="medical",
        start=date(2026, 1, 1),
        insured_name="张三",
        products=products,
    )
    return claim_report(
        reporter=customer2, report=report("PMED0002", "medical"), channel="api", now=T0
    ).claim


class DocApi:
    """Calls to /api/v1 as one user with a bearer token, each checked against the schema."""

    def __init__(self, user):
        token = token_issue(username=user.username, password=PASSWORD, now=T0)
        assert token
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def upload(self, claim_no: str, name: str, data: bytes, item: str | None = None):
        path = f"/api/v1/claims/{claim_no}/documents"
        f = io.BytesIO(data)
        f.name = name
        body = {"file": f} if item is None else {"file": f, "item": item}
        r = self.client.post(path, body, **self.headers)
        check_against_openapi("post", path, r)
        return r

    def get(self, path: str):
        r = self.client.get(f"/api/v1{path}", **self.headers)
        if not path.endswith("/file"):
            check_against_openapi("get", f"/api/v1{path}", r)
        return r

    def post(self, path: str, body: dict):
        r = self.client.post(
            f"/api/v1{path}", body, content_type="application/json", **self.headers
        )
        check_against_openapi("post", f"/api/v1{path}", r)
        return r


@pytest.fixture
def api(db):
    return DocApi


def png(color: str = "white", size: tuple[int, int] = (40, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(scope="session")
def cjk_font():
    if not FONT.exists():
        pytest.skip(f"{FONT} is missing: install Debian's fonts-noto-cjk to run the OCR tests")
    return ImageFont.truetype(str(FONT), 32, index=2)


def text_image(font, lines: list[str]) -> Image.Image:
    image = Image.new("RGB", (820, 60 * len(lines) + 40), "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((30, 20 + 60 * i), line, fill="black", font=font)
    return image


def encode(image: Image.Image, fmt: str) -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt)
    return buf.getvalue()
