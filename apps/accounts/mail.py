"""The mails that carry set-password links: an invitation to an organisation, a password reset.

Plain text through django.core.mail (SMTP with HORN_EMAIL_HOST, else printed on the server's
console). The link is the only secret in them; it works once and expires (apps.accounts.links).

They are written in the language active for the request that sends them (LocaleMiddleware: the
language cookie, else Accept-Language): a reset or a sign-up in the asker's language, an invitation
in the inviting admin's, the best guess there is for a colleague.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.core.errors import ServiceUnavailable

from . import links
from .models import SetPasswordLink


def written_in(request, fn, /, *args, **kwargs):
    """fn(*args, **kwargs), its mails in the request's language. For API views: pages get their language
    from LocaleMiddleware, API calls do not (their error bodies stay English)."""
    with translation.override(translation.get_language_from_request(request)):
        return fn(*args, **kwargs)


def _lifetime(purpose: str) -> str:
    seconds = int(links.lifetime(purpose).total_seconds())
    if seconds >= 7200:
        return ngettext("%(n)d hour", "%(n)d hours", seconds // 3600) % {"n": seconds // 3600}
    return ngettext("%(n)d minute", "%(n)d minutes", seconds // 60) % {"n": seconds // 60}


def send_invite(*, email: str, org_name: str, url: str, admin: bool, inviter: str = "") -> None:
    """Raises ServiceUnavailable if the mail cannot be sent (the caller's transaction then rolls back)."""
    names = {"inviter": inviter, "org": org_name}
    if admin and inviter:
        invited = _("%(inviter)s invited you to run the live chat of %(org)s on Horn, as an admin.") % names
    elif admin:
        invited = _("You have been invited to run the live chat of %(org)s on Horn, as an admin.") % names
    elif inviter:
        invited = _("%(inviter)s invited you to answer chats for %(org)s on Horn, as an agent.") % names
    else:
        invited = _("You have been invited to answer chats for %(org)s on Horn, as an agent.") % names
    choose = _("Choose your password here (the link works once, for %(time)s):") % {
        "time": _lifetime(SetPasswordLink.INVITE)
    }
    then = _("Then log in with this e-mail address, %(email)s, as your username.") % {"email": email}
    _send(_("Your Horn account for %(org)s") % names, f"{invited}\n\n{choose}\n\n{url}\n\n{then}\n", email)


def send_reset(*, email: str, url: str) -> None:
    asked = _("Someone (hopefully you) asked to reset the password of your Horn account.")
    choose = _("Choose a new password here (the link works once, for %(time)s):") % {
        "time": _lifetime(SetPasswordLink.RESET)
    }
    ignore = _("If you did not ask for this, ignore this mail: your password stays as it is.")
    _send(_("Reset your Horn password"), f"{asked}\n\n{choose}\n\n{url}\n\n{ignore}\n", email)


def send_account_exists(*, email: str) -> None:
    """Sign-up with an address that has an account: told by mail, so the page need not say it (no enumeration)."""
    tried = _(
        "Someone (hopefully you) tried to create an organisation on Horn with this e-mail address,"
        " which already has a Horn account, so nothing was created."
    )
    log_in = _("To log in: %(url)s") % {"url": f"{settings.HORN_PUBLIC_URL}/login/"}
    forgot = _("Forgot your password? %(url)s") % {"url": f"{settings.HORN_PUBLIC_URL}/password-reset/"}
    ignore = _("If it was not you, ignore this mail.")
    _send(_("You already have a Horn account"), f"{tried}\n\n{log_in}\n{forgot}\n\n{ignore}\n", email)


def _send(subject: str, body: str, to: str) -> None:
    try:
        send_mail(subject, body, None, [to])
    except OSError as exc:  # smtplib's errors, refused connections and timeouts are all OSError
        raise ServiceUnavailable(f"the e-mail could not be sent ({exc.__class__.__name__}); try again later") from exc
