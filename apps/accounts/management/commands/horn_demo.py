"""python manage.py horn_demo --json [--org NAME]: a demo org with two staff members.

Idempotent: running it again returns the same org, staff, passwords and tokens.
Passwords are derived from SECRET_KEY, so they are stable yet not guessable.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rest_framework.authtoken.models import Token

from apps.accounts.actions import create_organisation, create_staff
from apps.accounts.models import Organisation
from apps.console.models import CannedResponse

# Alice is the org's admin, Bob an agent.
DEMO_STAFF = [("alice", "Alice", "female", "admin"), ("bob", "Bob", "male", "agent")]
# Shared canned responses, so that "/" in the console's message box has something to offer.
DEMO_CANNED = [
    ("hello", "Hello! How can I help you today?"),
    ("thanks", "Thanks for waiting! Let me look into it."),
    ("bye", "Glad I could help. Have a nice day!"),
]


def demo_password(org_name: str, username: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"horn-demo:{org_name}:{username}".encode(), hashlib.sha256)
    return digest.hexdigest()[:16]


def snippet(org_id: int) -> str:
    base = settings.HORN_PUBLIC_URL
    return f'<script src="{base}/static/widget.js" data-horn-cid="{org_id}" data-horn-server="{base}" async></script>'


class Command(BaseCommand):
    help = "Create (idempotently) a demo organisation with two staff members and print their credentials."

    def add_arguments(self, parser):
        parser.add_argument("--org", default="Demo", help="organisation name (default: Demo)")
        parser.add_argument("--json", action="store_true", help="print JSON (the only format)")

    def handle(self, *args, org: str, **options):
        if not org.strip() or len(org) > 100:
            raise CommandError("--org must be 1-100 characters")
        origin = settings.HORN_DEMO_ORIGIN
        with transaction.atomic():
            organisation = Organisation.objects.filter(name=org).first()
            if organisation is None:
                organisation = create_organisation(name=org, allowed_origins=[origin])
            elif origin not in organisation.allowed_origins:
                organisation.allowed_origins = [*organisation.allowed_origins, origin]
                organisation.save(update_fields=["allowed_origins"])
            staff = [self._staff(organisation, *row) for row in DEMO_STAFF]
            for shortcut, text in DEMO_CANNED:
                CannedResponse.objects.get_or_create(
                    org=organisation, owner=None, shortcut=shortcut, defaults={"text": text}
                )
        out = {"oid": organisation.pk, "origin": origin, "snippet": snippet(organisation.pk), "staff": staff}
        # The key the shop's server signs customer ids with (identity verification); like the tokens, demo only.
        out["identity_secret"] = organisation.secret
        if options["json"]:
            self.stdout.write(json.dumps(out))
        else:
            self.stdout.write(self._human(out, demo_shop=org == "Demo"))

    def _human(self, out: dict, *, demo_shop: bool) -> str:
        base = settings.HORN_PUBLIC_URL
        lines = [
            f"Horn: {base}  (organisation id {out['oid']}, allowed origin {out['origin']})",
            f"  staff login:   {base}/login/",
            f"  REST API:      {base}/api/...   monitor: {base}/monitor/api/ping",
            f"  widget snippet: {out['snippet']}",
            "  demo staff (login / password / API token):",
        ]
        if demo_shop:  # /demo/ shows the widget of the org named "Demo" (apps/accounts/pages.py)
            lines.insert(1, f"  demo shop:     {base}/demo/  (log in at {base}/ as alice first, then chat there)")
        lines += [f"    {s['username']} / {s['password']} / {s['token']}" for s in out["staff"]]
        return "\n".join(lines)

    def _staff(self, org: Organisation, username: str, name: str, gender: str, role: str) -> dict:
        # Usernames are global in Django; other orgs get a suffixed name.
        login = username if org.name == "Demo" else f"{username}@{re.sub(r'[^A-Za-z0-9]+', '-', org.name).lower()}"
        password = demo_password(org.name, login)
        user = get_user_model().objects.filter(username=login).select_related("staff").first()
        if user is None:
            staff = create_staff(org=org, username=login, password=password, name=name, gender=gender, role=role)
        else:
            if user.staff.org_id != org.pk:
                raise CommandError(f"user {login} belongs to another organisation")
            user.set_password(password)
            user.save(update_fields=["password"])
            staff = user.staff
            if staff.role != role:
                staff.role = role
                staff.save(update_fields=["role"])
        token, _ = Token.objects.get_or_create(user=staff.user)
        return {
            "sid": staff.sid,
            "username": login,
            "password": password,
            "token": token.key,
            "name": name,
            "role": staff.role,
        }
