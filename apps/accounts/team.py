"""Running an organisation's team: new orgs with their first admin, invitations, role/capacity/queue
changes, deactivation, password resets. One function per action; views and commands only call them.

Invited staff log in with their e-mail address as username, so an address names one account
across the installation. Every change keeps at least one admin who can log in per org (`LastAdmin`):
the org's admin rows are locked first, in one order, so two admins demoting each other at once
cannot both succeed.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_noop

from apps.core.errors import EmailTaken, InvalidValue, LastAdmin, NotFound, OrgNameTaken

from . import links, mail
from .actions import create_organisation
from .models import Organisation, SetPasswordLink, Staff

log = logging.getLogger("horn.team")

MAX_CHATS = 100  # a person cannot follow more chats at once; 0 would be "never assign", which is status `away`
MAX_QUEUES = 20
RESET_COOLDOWN = 60  # seconds between two reset mails to one address


def clean_email(raw: str, field: str = "email") -> str:
    email = raw.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidValue(gettext_noop("not a valid e-mail address"), field=field) from None
    return email


def _email_taken(email: str) -> bool:
    users = get_user_model().objects
    return users.filter(username__iexact=email).exists() or users.filter(email__iexact=email).exists()


def _new_staff(*, org: Organisation, email: str, name: str, role: str, queues=(), max_chats: int = 5) -> Staff:
    """A user with no password yet (they choose it through the link) and their Staff row."""
    if _email_taken(email):
        raise EmailTaken(field="email")
    try:
        with transaction.atomic():
            user = get_user_model().objects.create_user(username=email, email=email, password=None)
            name = name or email.split("@")[0]
            queues = list(queues)
            return Staff.objects.create(org=org, user=user, name=name, role=role, queues=queues, max_chats=max_chats)
    except IntegrityError:  # the same address invited twice at once
        raise EmailTaken(field="email") from None


def clean_origin(raw: str) -> str:
    """A website origin as browsers send it: scheme and host (and port), no path."""
    origin = raw.strip().rstrip("/")
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query or parts.fragment:
        raise InvalidValue(f"{raw!r} is not an origin like https://shop.example", field="allowed_origins")
    return origin


def create_org_with_admin(
    *, name: str, email: str, admin_name: str = "", allowed_origins: list[str] = ()
) -> tuple[Organisation, Staff, str]:
    """A new org, its first admin and their set-password link (mailed too; the operator may copy it)."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidValue(gettext_noop("an organisation name is 1 to 100 characters"), field="name")
    email = clean_email(email)
    origins = [clean_origin(o) for o in allowed_origins]
    with transaction.atomic():
        if Organisation.objects.filter(name__iexact=name).exists():
            raise OrgNameTaken(field="name")
        try:
            with transaction.atomic():
                org = create_organisation(name=name, allowed_origins=origins)
        except IntegrityError:
            raise OrgNameTaken(field="name") from None
        staff = _new_staff(org=org, email=email, name=admin_name.strip()[:100], role=Staff.ADMIN)
        url = links.issue(staff.user, SetPasswordLink.INVITE)
        mail.send_invite(email=email, org_name=org.name, url=url, admin=True)
    return org, staff, url


def sign_up(*, name: str, email: str, admin_name: str) -> None:
    """Self-serve sign-up: a new org and admin, or, if the address has an account, a mail telling its owner.

    The page answers the same either way, so it cannot be used to learn who has an account.
    """
    try:
        create_org_with_admin(name=name, email=email, admin_name=admin_name)
    except EmailTaken:
        mail.send_account_exists(email=clean_email(email))


def invite(*, org_id: int, email: str, name: str, role: str, queues: list[str], max_chats: int, inviter: str) -> Staff:
    """A new staff member of the org, mailed a set-password link. Nothing is kept if the mail fails."""
    with transaction.atomic():
        org = Organisation.objects.get(pk=org_id)
        staff = _new_staff(org=org, email=email, name=name, role=role, queues=queues, max_chats=max_chats)
        url = links.issue(staff.user, SetPasswordLink.INVITE)
        mail.send_invite(email=email, org_name=org.name, url=url, admin=role == Staff.ADMIN, inviter=inviter)
    return staff


def invite_again(*, org_id: int, sid: str, inviter: str) -> Staff:
    """A fresh invitation for someone who has not set a password yet (the first expired, or got lost)."""
    with transaction.atomic():
        staff = _staff_of(org_id, sid)
        if staff.user.has_usable_password():
            raise InvalidValue("this staff member has already set a password", field="sid")
        if not staff.user.is_active:
            raise InvalidValue("this staff member is deactivated: reactivate them first", field="sid")
        url = links.issue(staff.user, SetPasswordLink.INVITE)
        admin = staff.role == Staff.ADMIN
        mail.send_invite(email=staff.user.email, org_name=staff.org.name, url=url, admin=admin, inviter=inviter)
    return staff


def _staff_of(org_id: int, sid: str, lock: bool = False) -> Staff:
    rows = Staff.objects.select_related("user", "org")
    staff = (rows.select_for_update() if lock else rows).filter(org_id=org_id, sid=sid).first()
    if staff is None:  # another org's staff member: the same answer as nobody
        raise NotFound("staff member not found", field="sid")
    return staff


def change(*, org_id: int, sid: str, changes: dict) -> Staff:
    """Apply `changes` (role, max_chats, queues, active) to one staff member of the org."""
    with transaction.atomic():
        # Admins who can act: active, with a password set (an invited admin may never accept).
        admins = list(
            Staff.objects.select_for_update()
            .filter(org_id=org_id, role=Staff.ADMIN, user__is_active=True)
            .exclude(user__password__startswith=UNUSABLE_PASSWORD_PREFIX)
            .order_by("sid")
            .values_list("sid", flat=True)
        )
        staff = _staff_of(org_id, sid, lock=True)
        stays_admin = changes.get("role", staff.role) == Staff.ADMIN and changes.get("active", staff.user.is_active)
        if admins == [sid] and not stays_admin:
            raise LastAdmin("you are the organisation's last admin: make someone else an admin first", field="sid")
        for key in ("role", "max_chats", "queues"):
            if key in changes:
                setattr(staff, key, changes[key])
        staff.save()  # post_save tells every process to forget the cached caller (apps.guard.staffkick)
        if "active" in changes and changes["active"] != staff.user.is_active:
            staff.user.is_active = changes["active"]
            staff.user.save(update_fields=["is_active"])  # deactivated: logged out at once (staffkick)
    return staff


def ask_reset(email: str) -> None:
    """Mail a reset link if an active account uses this address; say nothing either way."""
    try:
        email = clean_email(email)
    except InvalidValue:
        return
    user = links.user_by_email(email)
    if user is None or links.recently_sent(user, RESET_COOLDOWN):
        return
    url = links.issue(user, SetPasswordLink.RESET)
    try:
        mail.send_reset(email=user.email, url=url)
    except Exception:  # the page must look the same whether or not the address exists or mail works
        log.exception("password reset mail to user %s failed", user.pk)
