"""One error hierarchy for the whole API, rendered by one function (`apps.core.http`).

Every error carries a stable numeric `code` (documented in docs/api.md), the HTTP
status it maps to, a human message and, when one field is at fault, its name.
"""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop


class HornError(Exception):
    code = 5000
    status = 500
    default_msg = "internal error"

    def __init__(self, msg: str | None = None, *, field: str | None = None, **extra):
        self.msg = msg or self.default_msg
        self.field = field
        self.extra = extra
        super().__init__(self.msg)

    def body(self) -> dict:
        body = {"code": self.code, "msg": self.msg, "field": self.field}
        body.update(self.extra)
        return body


def page_message(exc: HornError) -> str:
    """The error's message for a server-rendered page, in the page's language.

    API bodies stay English (the contract); a message that a page may show is marked with
    gettext_noop where it is written, so makemessages collects it and this finds its translation.
    A message built with values (an f-string) has no entry and is shown in English.
    """
    return gettext(exc.msg)


def page_sentence(exc: HornError) -> str:
    """page_message() as a sentence: a capital first letter and a closing stop (Chinese has its own)."""
    text = page_message(exc)
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?", "\u3002", "\uff01", "\uff1f")) else f"{text}."


# 400: the request itself is malformed
class BadJSON(HornError):
    code, status, default_msg = 1001, 400, "request body is not a JSON object"


class MissingField(HornError):
    code, status, default_msg = 1002, 400, "field is required"


class UnknownField(HornError):
    code, status, default_msg = 1003, 400, "unknown field"


class InvalidValue(HornError):
    code, status, default_msg = 1004, 400, "invalid value"


class TooLong(HornError):
    code, status, default_msg = 1005, 400, "value is too long"


class UnknownType(HornError):
    code, status, default_msg = 1006, 400, "unknown message type"


class BadId(HornError):
    code, status, default_msg = 1007, 400, "malformed id"


class PayloadTooLarge(HornError):
    code, status, default_msg = 1009, 413, "request body is too large"


class MethodNotAllowed(HornError):
    code, status, default_msg = 1008, 405, "method not allowed"


# Uploads (files and images)
class FileTooLarge(HornError):
    code, status, default_msg = 1010, 413, "file is too large"


class UnsupportedFileType(HornError):
    code, status, default_msg = 1011, 415, "file type is not accepted"


class BadFile(HornError):
    code, status, default_msg = 1012, 400, "file is empty, truncated or not what it claims to be"


class UploadBudgetExceeded(HornError):
    code, status, default_msg = 1013, 413, "upload budget used up; try again later"


# 401/403: who is calling
class AuthRequired(HornError):
    code, status, default_msg = 2001, 401, "authentication required"


class BadToken(HornError):
    code, status, default_msg = 2002, 401, "invalid or mismatched token"


class OriginNotAllowed(HornError):
    code, status, default_msg = 2003, 403, "origin is not on the organisation's allow-list"


class Forbidden(HornError):
    code, status, default_msg = 2004, 403, "not allowed for this caller"


class CsrfFailed(HornError):
    code, status, default_msg = 2005, 403, "CSRF check failed"


class IdentityRejected(HornError):
    code, status, default_msg = 2006, 403, "customer.hash does not match customer.id"


class Banned(HornError):
    code, status, default_msg = 2007, 403, "banned by this organisation"


# 404: same answer for "does not exist" and "belongs to another organisation"
class NotFound(HornError):
    code, status, default_msg = 3001, 404, "not found"


class NoSuchEndpoint(HornError):
    code, status, default_msg = 3002, 404, "no such endpoint"


# 4xxx: the request is well-formed but the chat's state does not allow it
class ChatEnded(HornError):
    code, status, default_msg = 4001, 409, "chat has ended"


class NotMember(HornError):
    code, status, default_msg = 4002, 403, "not a member of this chat"


class IdempotencyConflict(HornError):
    code, status, default_msg = 4003, 409, "client_msg_id was already used with a different payload"


class NothingWaiting(HornError):
    code, status, default_msg = 4004, 409, "no chat is waiting"


class AlreadyRated(HornError):
    code, status, default_msg = 4005, 409, "this chat has already been rated"


class NotRatableYet(HornError):
    code, status, default_msg = 4006, 409, "a chat can be rated once staff marked it done or it ended"


# 7xxx: running an organisation (staff, links)
class EmailTaken(HornError):
    code, status, default_msg = 7001, 409, "a staff account with this e-mail address already exists"


class LastAdmin(HornError):
    code, status, default_msg = 7002, 409, "the organisation needs at least one active admin"


class LinkInvalid(HornError):
    code, status, default_msg = 7003, 400, gettext_noop("this link is not valid: check that you copied all of it")


class LinkExpired(HornError):
    code, status, default_msg = 7004, 410, gettext_noop("this link has expired")


class LinkUsed(HornError):
    code, status, default_msg = 7005, 410, gettext_noop("this link has already been used")


class OrgNameTaken(HornError):
    code, status, default_msg = 7006, 409, gettext_noop("an organisation with this name already exists")


# 400 for integrations: a webhook URL Horn will not call
class UrlRefused(HornError):
    code, status, default_msg = 7080, 400, "this URL is not one Horn may call"


class BackendTaken(HornError):
    code, status, default_msg = 7081, 409, "this backend_id is already connected for this organisation"


# 429: slow down
class RateLimited(HornError):
    """Carries `retry_after` (whole seconds) in the body and the Retry-After header."""

    code, status, default_msg = 6001, 429, "too many requests; slow down"

    def __init__(self, msg: str | None = None, *, retry_after: int, field: str | None = None):
        super().__init__(msg, field=field, retry_after=max(1, int(retry_after)))


# 70xx: organisation administration; 7020-7039 reports (apps/reports)
class ReportRangeTooLong(HornError):
    code, status, default_msg = 7020, 400, "a report covers at most 366 days"


class ReportRangeReversed(HornError):
    code, status, default_msg = 7021, 400, "the report's last day is before its first"


# 5xx: our side
class InternalError(HornError):
    code, status, default_msg = 5000, 500, "internal error"


class ServiceUnavailable(HornError):
    code, status, default_msg = 5003, 503, "a backing service is unavailable, retry later"
