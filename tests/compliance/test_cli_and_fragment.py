"""``claimdesk compliance-check`` and the htmx fragment."""

import io
import json
import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.test import Client

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def run(text: str, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command(
            "compliance-check", *args, stdin=io.StringIO(text), stdout=out, stderr=io.StringIO()
        )
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def test_cli_exit_1_and_prints_each_violation():
    code, out = run("第一行\n我们百分百赔付")
    assert code == 1
    (line,) = out.splitlines()
    fields = line.split("\t")
    assert fields[:6] == ["2:3", "6-11", "block", "pay_100_percent", "100%赔付", "“百分百赔付”"]
    assert fields[6]


def test_cli_exit_0_when_clean():
    assert run("您的材料已收到。") == (0, "")


def test_cli_json():
    code, out = run("保 证", "--json")
    assert code == 1
    assert json.loads(out)["violations"][0] | {"reason": ""} == {
        "term": "保证",
        "rule": "guarantee",
        "start": 0,
        "end": 3,
        "reason": "",
    }


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_cli_as_a_process_reads_stdin(tmp_path):
    """The real command line: UTF-8 text on stdin, exit status for shell scripts."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("the subprocess test uses a file database of its own")
    db = tmp_path / "db.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}"}
    exe = [sys.executable, "-m", "claimdesk.cli"]
    subprocess.run([*exe, "migrate", "-v0", "--skip-checks"], env=env, check=True, timeout=300)
    bad = subprocess.run(
        [*exe, "compliance-check"], input="最 快 到 账".encode(), env=env, capture_output=True
    )
    assert bad.returncode == 1
    assert "fastest_payout" in bad.stdout.decode()
    good = subprocess.run(
        [*exe, "compliance-check"], input="您好".encode(), env=env, capture_output=True
    )
    assert good.returncode == 0 and good.stdout == b""


def test_fragment_lists_violations_with_reasons(agent1):
    client = Client()
    assert client.login(username="agent1", password=PASSWORD)
    r = client.post("/compliance/check-fragment/", {"text": "我们一定赔，<b>保证</b>"})
    assert r.status_code == 200
    html = r.content.decode()
    assert 'data-ok="false"' in html
    assert html.count('data-testid="compliance-violation"') == 2
    assert "“一定赔”" in html and "promise_will_pay" in html
    assert "<b>" not in html  # the text is escaped
    r = client.post("/compliance/check-fragment/", {"text": "您好"})
    assert 'data-ok="true"' in r.content.decode()
    assert 'data-testid="compliance-violation"' not in r.content.decode()


def test_fragment_needs_login_and_post(agent1):
    assert Client().post("/compliance/check-fragment/", {"text": "x"}).status_code == 302
    client = Client()
    client.login(username="agent1", password=PASSWORD)
    assert client.get("/compliance/check-fragment/").status_code == 405


def test_cli_defaults_need_no_admin_rules():
    from claimdesk.compliance.models import ComplianceRule

    for rule in ComplianceRule.objects.all():
        rule.active = False
        rule.save()  # (a bulk update sends no signal: the rule cache would see it in 60 s)
    assert run("一定赔") == (0, "")
    code, out = run("一定赔", "--defaults")
    assert code == 1 and "promise_will_pay" in out


def test_admin_pages(admin_client, admin_user, customer1, manager1, now):
    from claimdesk.compliance.models import NotificationHold
    from claimdesk.compliance.services import message_gate
    from claimdesk.notify.services import notification_queue

    notification_queue(recipient=customer1, subject="保证", now=now, kind="x")
    message_gate(text="保证", actor=manager1, now=now, context="c", override_by=manager1)
    for model in ("compliancerule", "overridelog", "notificationhold", "calltranscript"):
        assert admin_client.get(f"/admin/compliance/{model}/").status_code == 200, model
    assert admin_client.get("/admin/compliance/compliancerule/add/").status_code == 200
    r = admin_client.post(
        "/admin/compliance/compliancerule/add/",
        {
            "code": "bad",
            "pattern": "([",
            "kind": "regex",
            "category": "other",
            "severity": "block",
            "active": "on",
        },
    )
    assert r.status_code == 200 and "pattern" in r.context["adminform"].form.errors
    hold = NotificationHold.objects.first()
    release = {"action": "release", "_selected_action": [hold.pk]}
    # A superuser configures; releasing a held message is a manager's, given explicitly.
    admin_client.post("/admin/compliance/notificationhold/", release)
    hold.refresh_from_db()
    assert hold.released_at is None
    from claimdesk.staff.roles import Role
    from claimdesk.staff.services import role_grant

    role_grant(user=admin_user, role=Role.MANAGER, by=manager1)
    r = admin_client.post("/admin/compliance/notificationhold/", release)
    assert r.status_code == 302
    hold.refresh_from_db()
    assert hold.released_at is not None


def test_fragment_speaks_chinese(agent1):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.login(username="agent1", password=PASSWORD)
    html = client.post("/compliance/check-fragment/", {"text": "最 快 到 账"}).content.decode()
    assert "此内容不能发送" in html and "误导性表述：" in html
