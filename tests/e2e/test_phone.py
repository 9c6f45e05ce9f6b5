"""Phone-size pages: at 390×844 every customer page and every surveyor page fits the screen
(no horizontal scroll), its main buttons are within the screen, and the header is one line
with the menu behind a button. Each page is screenshotted for a look."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.utils import timezone
from playwright.sync_api import Page, expect

from claimdesk.claims.services import claim_report
from claimdesk.feedback.services import survey_send
from tests.e2e.field_data import (
    PHONE,
    claim_under_survey,
    fits_the_phone,
    inside_viewport,
    log_in,
    phone_page,
)
from tests.feedback.conftest import closed_ticket

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHOTS = Path("/tmp")


@pytest.fixture
def phone(browser):
    page = phone_page(browser)
    yield page
    page.context.close()


@pytest.fixture
def world(customer1, agent1, surveyor1):
    """customer1's claim under survey by surveyor1, a second claim of theirs the surveyor has
    no task on, and a closed request whose satisfaction survey waits for an answer."""
    survey = claim_under_survey(customer=customer1, agent=agent1, surveyor=surveyor1)
    now = timezone.now()
    other = claim_report(
        reporter=customer1,
        report={
            "policy_no": "AUT202600001",
            "insured_name": "张伟",
            "loss_time": now - timedelta(days=3),
            "loss_place": "上海市徐汇区漕溪北路",
            "loss_cause": "停车时被剐蹭",
            "description": "停在路边时左侧车门被剐蹭",
            "loss_type": "auto",
            "estimated_amount": "800.00",
            "contact_phone": "13812345678",
        },
        channel="portal",
        now=now - timedelta(days=2),
    ).claim
    ticket = closed_ticket(
        customer=customer1,
        agent=agent1,
        opened=now - timedelta(hours=5),
        closed=now - timedelta(hours=2),
    )
    feedback = survey_send(case=ticket, now=now - timedelta(hours=1))
    assert feedback is not None
    return {"survey": survey, "other": other, "feedback": feedback}


def check(page: Page, name: str, artifacts: Path, buttons: tuple[str, ...] = ()) -> list[str]:
    """Screenshot the page and say what does not fit (empty: it fits)."""
    page.wait_for_load_state("load")
    page.screenshot(path=str(SHOTS / f"field-phone-{name}.png"), full_page=True)
    page.screenshot(path=str(artifacts / f"phone-{name}.png"), full_page=True)
    problems = []
    width = fits_the_phone(page)
    if width > PHONE["width"]:
        problems.append(f"{name}: {width} px wide")
    for selector in buttons:
        expect(page.locator(selector).first).to_be_attached()
        if not inside_viewport(page, selector):
            problems.append(f"{name}: {selector} outside the screen")
    return problems


def header_is_one_line(page: Page) -> None:
    header = page.locator("header.top").bounding_box()
    assert header is not None and header["height"] <= 72, header
    toggle = page.get_by_test_id("nav-toggle")
    expect(toggle).to_be_visible()
    expect(page.locator("#nav-links")).to_be_hidden()


def test_customer_pages_fit_a_phone(live_server, phone: Page, world, artifacts, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    base = live_server.url
    claim = world["survey"].claim
    problems: list[str] = []

    phone.goto(f"{base}/login/")
    problems += check(phone, "login", artifacts, ("button[type=submit]",))
    log_in(phone, base, "customer1")

    phone.goto(f"{base}/cases/")
    header_is_one_line(phone)
    problems += check(phone, "my-cases", artifacts)
    # The menu opens below the header, one link a line, and still fits.
    phone.get_by_test_id("nav-toggle").click()
    expect(phone.get_by_test_id("nav-report")).to_be_visible()
    problems += check(phone, "menu-open", artifacts, ('[data-testid="nav-report"]',))
    phone.get_by_test_id("nav-toggle").click()

    phone.goto(f"{base}/claims/{claim.number}/")
    expect(phone.get_by_test_id("checklist")).to_be_visible()
    problems += check(
        phone,
        "claim-detail",
        artifacts,
        (
            '[data-testid="upload-form"] button[type=submit]',
            '[data-testid="upload-form"] input[type=file]',
        ),
    )
    # The upload button sits inside its card.
    card = phone.get_by_test_id("upload-form").bounding_box()
    button = phone.locator('[data-testid="upload-form"] button[type=submit]').bounding_box()
    assert card and button and button["x"] + button["width"] <= card["x"] + card["width"] + 0.5

    phone.goto(f"{base}/claims/new/")
    problems += check(
        phone, "claim-report", artifacts, ('[data-testid="report-form"] button[type=submit]',)
    )

    phone.goto(f"{base}/notifications/")
    problems += check(phone, "notifications", artifacts)

    phone.goto(f"{base}/service/my/")
    problems += check(
        phone, "my-requests", artifacts, ('[data-testid="open-ticket"] button[type=submit]',)
    )

    phone.goto(f"{base}/assistant/")
    phone.get_by_test_id("chat-question").fill("理赔需要哪些材料？")
    phone.get_by_test_id("chat-send").click()
    expect(phone.get_by_test_id("chat-answer").first).to_be_visible()
    problems += check(
        phone,
        "assistant",
        artifacts,
        ('[data-testid="chat-send"]', '[data-testid="chat-handover"]'),
    )

    phone.goto(f"{base}/feedback/s/{world['feedback'].token}/")
    problems += check(
        phone, "feedback-survey", artifacts, ('[data-testid="survey-form"] button[type=submit]',)
    )

    phone.goto(f"{base}/claims/CL20000101999999/")
    expect(phone.get_by_test_id("error-404")).to_be_visible()
    problems += check(phone, "error-404", artifacts)

    # The 500 page is rendered without a request; shown here on the product's own address.
    phone.set_content(render_to_string("500.html"))
    expect(phone.get_by_test_id("error-500")).to_be_visible()
    problems += check(phone, "error-500", artifacts)

    assert problems == []


def test_surveyor_pages_fit_a_phone(live_server, phone: Page, world, artifacts, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    base = live_server.url
    survey = world["survey"]
    number = survey.claim.number
    problems: list[str] = []
    log_in(phone, base, "surveyor1")

    phone.goto(f"{base}/work/")
    header_is_one_line(phone)
    problems += check(phone, "surveyor-work", artifacts)

    phone.goto(f"{base}/cases/{number}/")
    problems += check(phone, "surveyor-case", artifacts, ('[data-testid="field-report-link"]',))

    phone.goto(f"{base}/claims/{number}/")
    problems += check(phone, "surveyor-claim", artifacts, ('[data-testid="field-report-link"]',))

    phone.goto(f"{base}/investigation/surveys/{survey.pk}/")
    problems += check(phone, "survey-detail", artifacts, ('[data-testid="field-report-link"]',))

    phone.goto(f"{base}/investigation/surveys/{survey.pk}/report/")
    problems += check(
        phone,
        "field-report",
        artifacts,
        (
            '[data-testid="submit-report"]',
            '[data-testid="add-loss-row"]',
            '[data-testid="signature-pad"]',
        ),
    )

    phone.goto(f"{base}/notifications/")
    problems += check(phone, "surveyor-notifications", artifacts)

    phone.get_by_test_id("nav-toggle").click()
    search = phone.get_by_test_id("nav-search")
    search.locator("input").fill(number)
    search.locator("button").click()
    phone.wait_for_url("**/search/**")
    problems += check(phone, "surveyor-search", artifacts)

    # A colleague's claim: the product's own refusal page, naming the owner.
    phone.goto(f"{base}/claims/{world['other'].number}/")
    expect(phone.get_by_test_id("error-403")).to_be_visible()
    problems += check(phone, "error-403", artifacts)

    assert problems == []
