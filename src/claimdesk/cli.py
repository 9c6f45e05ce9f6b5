"""The ``claimdesk`` command: Django's manage.py with ClaimDesk's settings.

``claimdesk`` / ``claimdesk --help`` lead with ClaimDesk's own commands, one line each, found
in the project's apps (a new command shows up without editing this file); Django's long list
of its own commands stays one ``claimdesk help --all`` away.
"""

from __future__ import annotations

import os
import re
import shutil
import sys

PROG = "claimdesk"
PACKAGE = "claimdesk"
HELP_ASKED = ([], ["help"], ["--help"], ["-h"])


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimdesk.settings")
    from django.core.management import ManagementUtility, execute_from_command_line

    args = sys.argv[1:] if argv is None else list(argv)
    if args in HELP_ASKED:
        text = main_help()
        if text is not None:
            sys.stdout.write(text + "\n")
            return
    elif args == ["help", "--all"]:
        utility = ManagementUtility([PROG])
        sys.stdout.write(utility.main_help_text() + "\n")
        return
    execute_from_command_line([PROG, *args])


def own_commands() -> dict[str, str]:
    """ClaimDesk's management commands (those of its own apps), each with its one-line help."""
    from django.core.management import get_commands, load_command_class

    found = {}
    for name, app in sorted(get_commands().items()):
        if app == PACKAGE or app.startswith(PACKAGE + "."):
            found[name] = one_line(str(load_command_class(app, name).help))
    return found


def one_line(text: str, width: int = 90) -> str:
    """The first sentence of a command's help, cut at a word to fit one terminal line."""
    text = " ".join(text.split())
    first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    if len(first) <= width:
        return first
    return first[: width - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def main_help() -> str | None:
    """ClaimDesk's help text; None when the settings do not load (Django's help then shows
    the error and its core commands)."""
    import django

    try:
        django.setup()
        commands = own_commands()
    except Exception:
        return None
    columns = shutil.get_terminal_size((100, 24)).columns
    pad = max(len(name) for name in commands) + 2 if commands else 0
    lines = [
        "ClaimDesk: claims case tracking and customer service.",
        "",
        f"usage: {PROG} <command> [options]     {PROG} help <command> for its options",
        "",
        "ClaimDesk's commands:",
    ]
    for name, help_line in commands.items():
        lines.append(f"  {name:<{pad}}{one_line(help_line, max(40, columns - pad - 3))}")
    lines += [
        "",
        f"Django's own commands (migrate, createsuperuser, shell, …): {PROG} help --all",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
