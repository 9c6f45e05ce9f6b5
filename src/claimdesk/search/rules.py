"""What a search box query asks for: a case or policy number, a phone (whole or its last
four digits), an ID number (whole or last four), a licence plate, or a name. Pure rules."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from claimdesk.policies.rules import PHONE_DIGITS, normalize_phone

MIN_LENGTH = 2
MAX_LENGTH = 60

# 沪A52000, 粤B12345D (new-energy plates have six characters after the letter).
PLATE = re.compile(r"^[\u4e00-\u9fff][A-Z][A-Z0-9]{4,6}$")
# CL20261123000042, AUT202600001: letters, then digits.
NUMBER = re.compile(r"^[A-Z]{1,8}[0-9][0-9A-Z]*$")
LAST4 = re.compile(r"^[0-9]{3}[0-9X]$")
ID_NUMBER = re.compile(r"^[0-9]{14}[0-9X]$|^[0-9]{17}[0-9X]$")


class QueryInvalid(ValueError):
    """A query the search cannot answer; ``message`` says what to type instead."""

    def __init__(self, message: str | Promise) -> None:
        super().__init__(str(message))
        self.message = str(message)


@dataclass(frozen=True)
class Terms:
    """The query read as one kind of term (the others empty)."""

    text: str
    number: str = ""
    phone: str = ""
    last4: str = ""
    id_number: str = ""
    plate: str = ""
    name: str = ""


def parse_query(*, q: str) -> Terms:
    """Read ``q`` as what staff type into the search box; refuse what would find nothing
    useful (too short, too long, a few digits) with a message saying what to type."""
    text = " ".join(unicodedata.normalize("NFKC", q or "").split())
    if "\x00" in text or len(text) < MIN_LENGTH:
        raise QueryInvalid(
            _("Type at least %(n)s characters: a number, a name, a phone or a plate.")
            % {"n": MIN_LENGTH}
        )
    if len(text) > MAX_LENGTH:
        raise QueryInvalid(_("Type at most %(n)s characters.") % {"n": MAX_LENGTH})
    compact = re.sub(r"[\s\-·]", "", text).upper()
    phone = normalize_phone(text)
    if LAST4.match(compact):
        return Terms(text=text, last4=compact)
    if ID_NUMBER.match(compact):
        return Terms(text=text, id_number=compact)
    if PHONE_DIGITS.match(phone):
        return Terms(text=text, phone=phone)
    if compact.isdigit():
        raise QueryInvalid(
            _("Type the last 4 digits of a phone or ID number, or the whole phone number.")
        )
    if PLATE.match(compact):
        return Terms(text=text, plate=compact)
    if NUMBER.match(compact):
        return Terms(text=text, number=compact)
    return Terms(text=text, name=text)
