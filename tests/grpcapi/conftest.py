"""The Support gRPC service on the suite's live server: same process, same event loop, same push hub.

horn.serve runs it the same way, inside each worker (horn/asgi.py's lifespan);
here it is started on the live uvicorn's loop on a free port.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.grpcapi.client import Client


@pytest.fixture(scope="session")
def grpc_target(horn_server):
    from apps.grpcapi import server
    from apps.realtime.hub import hub

    loop = hub.loop  # the live server's event loop (its lifespan started the hub)
    running = asyncio.run_coroutine_threadsafe(server.start("127.0.0.1", 0), loop).result(20)
    yield f"127.0.0.1:{running.port}"
    if not loop.is_closed():
        asyncio.run_coroutine_threadsafe(running.stop(0), loop).result(20)


@pytest.fixture
def support(grpc_target, horn):
    """A client of the Support service (generated stub, real channel over loopback)."""
    client = Client(grpc_target)
    yield client
    client.channel.close()
