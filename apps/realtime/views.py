"""GET /pull?uid&track_id[&version][&token][&presence=0]: long-poll push, answered at once when events are due."""

from __future__ import annotations

import asyncio

from django.conf import settings
from django.http import HttpResponse

from apps.core.clientip import client_ip
from apps.core.http import api_view

from .consumers import authenticate_push
from .hub import hub
from .subscribe import subscribe


@api_view("GET")
async def pull(request):
    caller, cursor, present = await authenticate_push(request)
    sub = await subscribe(caller, cursor, ip=client_ip(request), present=present)
    try:
        if not sub.frames:
            try:
                await asyncio.wait_for(sub.wakeup.wait(), settings.HORN_PULL_TIMEOUT)
            except TimeoutError:
                pass
        frames = sub.take()
    finally:
        hub.detach(sub)
    if sub.kicked is not None:  # banned while waiting
        raise sub.kicked
    # The frames are serialised once by the hub; splice them rather than re-encode.
    body = b'{"code":0,"msg":"ok","version":"%d","data":[%s]}' % (sub.cursor, b",".join(frames))
    return HttpResponse(body, content_type="application/json")
