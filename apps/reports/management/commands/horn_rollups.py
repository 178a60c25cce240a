"""manage.py horn_rollups [--all]: fold the days whose chats changed into the reports' roll-ups, now."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from apps.reports.rollups import fold


class Command(BaseCommand):
    help = "Fold the days whose chats changed into the report roll-ups (docs/reports.md); the server does it too."

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", action="store_true", help="today too (by default a day is folded an hour after it ended)"
        )

    def handle(self, *args, all=False, **options):
        started = time.perf_counter()
        days = fold(settled_before=int(time.time()) + 2 * 86400 if all else None)
        self.stdout.write(f"folded {days} org-days in {time.perf_counter() - started:.1f} s")
