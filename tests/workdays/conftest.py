"""Fixtures for the working-day suite: a pinned "today", an admin, an official 2027 file."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model

SH = ZoneInfo("Asia/Shanghai")

# Late December 2026: the claims reported now already have deadlines in 2027, whose
# official schedule is not published yet (chinese-calendar 1.11 stops at 2026).
LATE_DECEMBER_2026 = datetime(2026, 12, 20, 10, 0, tzinfo=SH)

# A complete (made-up but plausible) State Council schedule for 2027, in the CSV format the
# admin and `claimdesk workdays import` accept: date,type,name.
OFFICIAL_2027_CSV = """\
date,type,name
2027-01-01,holiday,元旦
2027-01-02,holiday,元旦
2027-01-03,holiday,元旦
2027-02-05,holiday,春节
2027-02-06,holiday,春节
2027-02-07,holiday,春节
2027-02-08,holiday,春节
2027-02-09,holiday,春节
2027-02-10,holiday,春节
2027-02-11,holiday,春节
2027-02-12,holiday,春节
2027-02-14,workday,春节调休
2027-02-20,workday,春节调休
2027-04-03,holiday,清明节
2027-04-04,holiday,清明节
2027-04-05,holiday,清明节
2027-04-25,workday,劳动节调休
2027-05-01,holiday,劳动节
2027-05-02,holiday,劳动节
2027-05-03,holiday,劳动节
2027-05-04,holiday,劳动节
2027-05-05,holiday,劳动节
2027-06-09,holiday,端午节
2027-09-15,holiday,中秋节
2027-09-26,workday,国庆节调休
2027-10-01,holiday,国庆节
2027-10-02,holiday,国庆节
2027-10-03,holiday,国庆节
2027-10-04,holiday,国庆节
2027-10-05,holiday,国庆节
2027-10-06,holiday,国庆节
2027-10-07,holiday,国庆节
2027-10-09,workday,国庆节调休
"""


@pytest.fixture
def late_december():
    """Pin the wall clock to 2026-12-20 10:00 Shanghai (time does not tick)."""
    with time_machine.travel(LATE_DECEMBER_2026, tick=False) as traveller:
        yield traveller


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.com", password=None)


@pytest.fixture
def admin_client(client, superuser, late_december):
    """A logged-in superuser; logged in *after* the clock is pinned so the session is fresh."""
    client.force_login(superuser)
    return client
