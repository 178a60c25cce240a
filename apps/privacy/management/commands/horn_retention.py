"""manage.py horn_retention [--org ID] [--batch-size N]: one retention run now, under the cluster's lock."""

from __future__ import annotations

import asyncio

from django.core.management.base import BaseCommand, CommandError

from apps.privacy.schedule import Busy, run_locked


class Command(BaseCommand):
    help = "Delete what every organisation's retention says is too old (docs/privacy.md)."

    def add_arguments(self, parser):
        parser.add_argument("--org", type=int, help="only this organisation (its id)")
        parser.add_argument("--batch-size", type=int, help="rows per delete (default: HORN_RETENTION_BATCH)")

    def handle(self, *args, org=None, batch_size=None, **options):
        if batch_size is not None and batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        try:
            results = asyncio.run(run_locked(org_id=org, batch=batch_size))
        except Busy as exc:
            raise CommandError(f"{exc}; try again when it has finished") from None
        if not results:
            self.stdout.write("no organisation has a retention set: nothing to do")
        for org_id, deleted in results.items():
            self.stdout.write(
                f"org {org_id}: deleted {deleted.chats} chats, {deleted.messages} messages, "
                f"{deleted.files} files, {deleted.visits} page views; {deleted.visitors} visitors made anonymous"
            )
