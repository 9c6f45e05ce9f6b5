"""``claimdesk compliance-check < message.txt``: the forbidden-promise check on stdin.

Prints one line per violation — ``line:column``, the character offsets ``start-end`` in the
text (end exclusive), the rule, the term, the words as written, and why — and exits 1 when it
found any (warnings included), 0 when the text is clean. ``--json`` prints the API's answer.
"""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from claimdesk.compliance import rules
from claimdesk.compliance.services import compliance_check


def _line_col(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


class Command(BaseCommand):
    help = "Check the text on stdin for forbidden promises; exit 1 when any are found."
    requires_system_checks: list = []
    stealth_options = ("stdin",)

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", help="print the answer as JSON")
        parser.add_argument(
            "--defaults",
            action="store_true",
            help="use the built-in default terms and promise classes, not the database's",
        )

    def handle(self, *args, **options) -> None:
        stream = options.get("stdin") or sys.stdin
        raw = stream.buffer.read() if hasattr(stream, "buffer") else stream.read()
        text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
        if options["defaults"]:
            found = rules.check(text, rules.DEFAULT_SCREEN)
        else:
            try:
                found = compliance_check(text)
            except DatabaseError as exc:
                self.stderr.write(
                    f"cannot read the compliance rules ({exc}); run `claimdesk migrate`, "
                    "or pass --defaults to use the built-in rules"
                )
                raise SystemExit(2) from exc
        if options["json"]:
            answer = {
                "ok": not any(v.blocking for v in found),
                "violations": [v.as_dict() for v in found],
            }
            self.stdout.write(json.dumps(answer, ensure_ascii=False))
        else:
            for v in found:
                line, col = _line_col(text, v.start)
                self.stdout.write(
                    f"{line}:{col}\t{v.start}-{v.end}\t{v.severity}\t{v.rule}\t{v.term}\t"
                    f"“{text[v.start : v.end]}”\t{v.reason}"
                )
            self.stderr.write(f"{len(found)} violation(s)" if found else "clean")
        if found:
            raise SystemExit(1)
