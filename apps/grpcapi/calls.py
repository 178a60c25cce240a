"""What every Support stream shares with the HTTP API: who is calling, and errors as gRPC statuses.

Credentials travel as metadata with the same names as the HTTP headers
(`x-horn-token` for a customer, `authorization: Token <key>` for an agent),
so `apps.accounts.auth.authenticate` checks them as it does a request's.
Horn's errors keep their `{code, msg, field}`: the status carries `msg`, the
trailing metadata `horn-code` and `horn-field`.
"""

from __future__ import annotations

import grpc
from django.http import QueryDict
from django.utils.datastructures import CaseInsensitiveMapping

from apps.accounts.auth import Caller, authenticate
from apps.core.errors import HornError

# HTTP status of a HornError -> gRPC status code.
STATUS = {
    400: grpc.StatusCode.INVALID_ARGUMENT,
    401: grpc.StatusCode.UNAUTHENTICATED,
    403: grpc.StatusCode.PERMISSION_DENIED,
    404: grpc.StatusCode.NOT_FOUND,
    409: grpc.StatusCode.FAILED_PRECONDITION,
    413: grpc.StatusCode.INVALID_ARGUMENT,
    429: grpc.StatusCode.RESOURCE_EXHAUSTED,
    503: grpc.StatusCode.UNAVAILABLE,
}


class OutOfOrder(HornError):
    """A request the stream's state does not allow (seed 000's state machine): FAILED_PRECONDITION."""

    code, status, default_msg = 4020, 409, "this request is not allowed in the stream's current state"


class ReceiverTooSlow(HornError):
    """The client stopped reading; its stream is cut rather than buffered without bound (as /ws 4408)."""

    code, status, default_msg = 4011, 429, "receiver too far behind; open a new stream and init with the session id"


def status_of(error: HornError) -> grpc.StatusCode:
    return STATUS.get(error.status, grpc.StatusCode.INTERNAL)


def trailers(error: HornError) -> tuple[tuple[str, str], ...]:
    return (("horn-code", str(error.code)), ("horn-field", error.field or ""))


class MetadataRequest:
    """Just enough of an HttpRequest for `authenticate` and the visitor gates (bans by IP)."""

    method = "POST"
    scheme = "http"
    COOKIES: dict = {}

    def __init__(self, context: grpc.aio.ServicerContext):
        metadata = [(k, v) for k, v in context.invocation_metadata() or () if isinstance(v, str)]
        self.headers = CaseInsensitiveMapping(dict(metadata))
        self.GET = QueryDict("")
        self.META = {"REMOTE_ADDR": peer_ip(context.peer()), "HTTP_X_FORWARDED_FOR": ""}

    def get_host(self) -> str:
        return ""


def peer_ip(peer: str) -> str | None:
    """ "ipv4:127.0.0.1:5000" or "ipv6:[::1]:5000" -> the address."""
    kind, _, rest = peer.partition(":")
    if kind == "ipv4":
        return rest.rsplit(":", 1)[0]
    if kind == "ipv6":
        return rest.rsplit(":", 1)[0].strip("[]")
    return None


async def caller_of(context: grpc.aio.ServicerContext) -> tuple[Caller, str | None]:
    """The authenticated caller and its IP (for rate limits), from the stream's metadata."""
    request = MetadataRequest(context)
    return await authenticate(request), request.META["REMOTE_ADDR"]
