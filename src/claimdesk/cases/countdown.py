"""How much time a clock has left, as people read it on a work queue.

Shared by every page that lists clocks (my work, the service desk, finance), so a countdown
reads the same everywhere; the page's script keeps the same format live.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

# Rows of a work queue due within this many seconds are marked as coming soon.
SOON_SECONDS = 4 * 3600


def countdown_text(seconds: int) -> str:
    """``2天 03:04:05`` / ``已超时 00:12:00``; the page's script keeps the same format live."""
    left = abs(int(seconds))
    days, rest = divmod(left, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    if days:
        text = f"{days}{pgettext('days in a countdown', 'd')} {text}"
    return f"{_('overdue')} {text}" if seconds < 0 else text
