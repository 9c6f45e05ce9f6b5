from django.core.management.base import BaseCommand

from claimdesk.demo.build import DEFAULT_SEED, demo_create
from claimdesk.demo.people import demo_users_present


class Command(BaseCommand):
    help = (
        "Create the demo accounts (password demo12345) and a few hundred cases with 90 days "
        "of history, built through the real services. Does nothing if the demo users exist."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help="random seed (same seed, same data)"
        )

    def handle(self, *args, seed: int = DEFAULT_SEED, **options):
        present = demo_users_present()
        if present:
            self.stdout.write(f"Demo users already exist ({', '.join(present)}); nothing to do.")
            return
        self.stdout.write("Loading the demo data (a few minutes); progress by step:")
        summary = demo_create(seed=seed, report=self._progress)
        for line in summary.lines():
            self.stdout.write(line)

    def _progress(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()
