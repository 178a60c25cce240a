"""python manage.py horn_key create|list|revoke: an organisation's API keys (each one bot or integration).

horn_key create --org Demo --name "CRM sync"    # prints the key, once
horn_key list --org Demo
horn_key revoke --org Demo --id <key id>
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from apps.accounts.models import Organisation
from apps.core.errors import HornError
from apps.integrations import keys


class Command(BaseCommand):
    help = "Create, list or revoke an organisation's API keys."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        for name in ("create", "list", "revoke"):
            p = sub.add_parser(name)
            p.add_argument("--org", required=True, help="organisation id or name")
            p.add_argument("--json", action="store_true", help="print JSON")
            if name == "create":
                p.add_argument("--name", required=True, help="the bot's or integration's name")
            if name == "revoke":
                p.add_argument("--id", required=True, help="the key's id (from list)")

    def handle(self, *args, action: str, **options):
        ref = options["org"]
        org = Organisation.objects.filter(**({"pk": int(ref)} if ref.isdigit() else {"name": ref})).first()
        if org is None:
            raise CommandError(f"no organisation {ref!r}")
        try:
            if action == "create":
                out = keys.create_key(org.pk, options["name"][:100])
            elif action == "revoke":
                out = keys.revoke_key(org.pk, options["id"])
            else:
                out = keys.list_keys(org.pk)
        except HornError as exc:
            raise CommandError(exc.msg) from None
        if options["json"]:
            self.stdout.write(json.dumps(out))
        elif action == "create":
            self.stdout.write(f"{out['name']} ({out['id']}): {out['key']}\n  shown once: store it now. "
                              "Use it as 'Authorization: Bearer <key>' or ?apiKey=<key>.")  # fmt: skip
        elif action == "revoke":
            self.stdout.write(f"revoked {out['name']} ({out['id']}, {out['prefix']}…)")
        else:
            for k in out:
                used = k["last_used_at"] or "never"
                state = "active" if k["active"] else "revoked"
                self.stdout.write(f"{k['id']}  {k['prefix']}…  {state:8} last used: {used}  {k['name']}")
