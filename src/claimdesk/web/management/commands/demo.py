from django.core.management.base import BaseCommand

from claimdesk.web.demo import DEFAULT_SEED, demo_create, demo_users_present


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
        summary = demo_create(seed=seed)
        for line in summary.lines():
            self.stdout.write(line)
