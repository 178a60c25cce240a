"""python manage.py horn_bot --org <id or name> --name "Helper": create a bot and print its id and API key (once).

The same as `horn_key create`, kept for the scripts that already call it.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from apps.accounts.actions import create_bot
from apps.accounts.models import Organisation


class Command(BaseCommand):
    help = "Create a bot of an organisation; it calls the API with 'Authorization: Bearer <key>'."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="organisation id or name")
        parser.add_argument("--name", required=True, help="the bot's display name")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **options):
        ref = options["org"]
        org = Organisation.objects.filter(**({"pk": int(ref)} if ref.isdigit() else {"name": ref})).first()
        if org is None:
            raise CommandError(f"no organisation {ref!r}")
        bot, key = create_bot(org=org, name=options["name"][:100])
        if options["json"]:
            self.stdout.write(json.dumps({"oid": org.pk, "bid": bot.bid, "name": bot.name, "key": key}))
        else:
            self.stdout.write(f"bot {bot.name} ({bot.bid}) of {org.name}: Authorization: Bearer {key}  (shown once)")
