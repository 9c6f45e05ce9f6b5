"""``claimdesk unlock-login USERNAME``: lift a login lockout after too many wrong passwords."""

from django.core.management.base import BaseCommand, CommandError

from claimdesk.staff.lockout import login_unlock, username_known


class Command(BaseCommand):
    help = (
        "Unlock a login locked after too many wrong passwords (both the login page and the "
        "API token login), forgetting its failed attempts from every address."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="the user name as typed at the login")

    def handle(self, *args, username: str, **opts):
        removed = login_unlock(username)
        if removed == 0 and not username_known(username):
            raise CommandError(f"no user {username!r} and no failed logins recorded for it")
        self.stdout.write(
            f"unlocked {username!r}: {removed} failed-login record(s) removed"
            if removed
            else f"{username!r} was not locked; nothing to remove"
        )
