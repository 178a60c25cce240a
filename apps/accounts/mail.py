"""The mails that carry set-password links: an invitation to an organisation, a password reset.

Plain text through django.core.mail (SMTP with HORN_EMAIL_HOST, else printed on the server's
console). The link is the only secret in them; it works once and expires (apps.accounts.links).
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail

from apps.core.errors import ServiceUnavailable

from . import links
from .models import SetPasswordLink


def _hours(purpose: str) -> str:
    seconds = int(links.lifetime(purpose).total_seconds())
    return f"{seconds // 3600} hours" if seconds >= 7200 else f"{seconds // 60} minutes"


def send_invite(*, email: str, org_name: str, url: str, admin: bool, inviter: str = "") -> None:
    """Raises ServiceUnavailable if the mail cannot be sent (the caller's transaction then rolls back)."""
    who = f"{inviter} invited you" if inviter else "You have been invited"
    what = "run the live chat of" if admin else "answer chats for"
    body = (
        f"{who} to {what} {org_name} on Horn, as {'an admin' if admin else 'an agent'}.\n\n"
        f"Choose your password here (the link works once, for {_hours(SetPasswordLink.INVITE)}):\n\n"
        f"{url}\n\n"
        f"Then log in with this e-mail address, {email}, as your username.\n"
    )
    _send(f"Your Horn account for {org_name}", body, email)


def send_reset(*, email: str, url: str) -> None:
    body = (
        "Someone (hopefully you) asked to reset the password of your Horn account.\n\n"
        f"Choose a new password here (the link works once, for {_hours(SetPasswordLink.RESET)}):\n\n"
        f"{url}\n\n"
        "If you did not ask for this, ignore this mail: your password stays as it is.\n"
    )
    _send("Reset your Horn password", body, email)


def send_account_exists(*, email: str) -> None:
    """Sign-up with an address that has an account: told by mail, so the page need not say it (no enumeration)."""
    body = (
        "Someone (hopefully you) tried to create an organisation on Horn with this e-mail address,\n"
        "which already has a Horn account, so nothing was created.\n\n"
        f"To log in: {settings.HORN_PUBLIC_URL}/login/\n"
        f"Forgot your password? {settings.HORN_PUBLIC_URL}/password-reset/\n\n"
        "If it was not you, ignore this mail.\n"
    )
    _send("You already have a Horn account", body, email)


def _send(subject: str, body: str, to: str) -> None:
    try:
        send_mail(subject, body, None, [to])
    except OSError as exc:  # smtplib's errors, refused connections and timeouts are all OSError
        raise ServiceUnavailable(f"the e-mail could not be sent ({exc.__class__.__name__}); try again later") from exc
