"""python manage.py horn_org create --name "Acme" --admin-email ann@acme.example | list: the operator's organisations.

`create` makes the organisation and its first admin, mails them a one-time set-password link and
prints it too (the operator may hand it over another way, e.g. when mail is not set up yet).
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Q

from apps.accounts.management.commands.horn_demo import snippet
from apps.accounts.models import Organisation, Staff
from apps.accounts.team import create_org_with_admin
from apps.core.errors import HornError


class Command(BaseCommand):
    help = "Create an organisation with its first admin (create), or list the organisations (list)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="a new organisation and its first admin")
        create.add_argument("--name", required=True, help="the organisation's name (unique)")
        create.add_argument("--admin-email", required=True, help="the first admin's e-mail address (their username)")
        create.add_argument("--admin-name", default="", help="the first admin's display name")
        create.add_argument(
            "--origin", action="append", default=[], help="a website origin the widget may run on (repeatable)"
        )
        create.add_argument("--json", action="store_true", help="print JSON")
        listing = sub.add_parser("list", help="every organisation with its staff counts")
        listing.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **options):
        if options["action"] == "create":
            self._create(options)
        else:
            self._list(options)

    def _create(self, options):
        try:
            org, staff, url = create_org_with_admin(
                name=options["name"],
                email=options["admin_email"],
                admin_name=options["admin_name"],
                allowed_origins=options["origin"],
            )
        except HornError as exc:
            raise CommandError(f"{exc.field or 'error'}: {exc.msg}") from None
        out = {"oid": org.pk, "name": org.name, "sid": staff.sid, "link": url, "snippet": snippet(org.pk)}
        if options["json"]:
            self.stdout.write(json.dumps(out))
            return
        self.stdout.write(f"organisation {org.name} (oid {org.pk}); admin {staff.user.username} ({staff.sid})")
        self.stdout.write(f"set-password link (mailed to them too; works once): {url}")
        self.stdout.write(f"widget snippet for {', '.join(org.allowed_origins) or 'your site'}: {out['snippet']}")

    def _list(self, options):
        orgs = Organisation.objects.annotate(
            admins=Count("staff", filter=Q(staff__role=Staff.ADMIN, staff__user__is_active=True)),
            agents=Count("staff", filter=Q(staff__role=Staff.AGENT, staff__user__is_active=True)),
        ).order_by("pk")
        rows = [{"oid": o.pk, "name": o.name, "admins": o.admins, "agents": o.agents} for o in orgs]
        if options["json"]:
            self.stdout.write(json.dumps(rows))
            return
        for r in rows:
            self.stdout.write(f"{r['oid']:>6}  {r['name']}  ({r['admins']} admins, {r['agents']} agents)")
