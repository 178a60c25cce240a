"""The Support gRPC service on the suite's live server: same process, same event loop, same push hub.

horn.serve runs it the same way, inside each worker (horn/asgi.py's lifespan);
here it is started on the live uvicorn's loop on a free port. It stops when
that server stops; a test that restarts the server gets a new one.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.grpcapi.client import Client


class GrpcOnLiveServer:
    def __init__(self, live) -> None:
        self.running = None
        self.loop = None
        live.before_stop.append(self.stop)

    def target(self) -> str:
        from apps.grpcapi import server
        from apps.realtime.hub import hub

        if self.running is None:
            self.loop = hub.loop  # the live server's event loop (its lifespan started the hub)
            self.running = asyncio.run_coroutine_threadsafe(server.start("127.0.0.1", 0), self.loop).result(20)
        return f"127.0.0.1:{self.running.port}"

    def stop(self) -> None:
        if self.running is not None:
            asyncio.run_coroutine_threadsafe(self.running.stop(0), self.loop).result(20)
            self.running = None


@pytest.fixture(scope="session")
def _grpc_server(horn_server):
    grpc_server = GrpcOnLiveServer(horn_server)
    yield grpc_server
    grpc_server.stop()


@pytest.fixture
def grpc_target(_grpc_server) -> str:
    return _grpc_server.target()


@pytest.fixture
def support(grpc_target, horn):
    """A client of the Support service (generated stub, real channel over loopback)."""
    client = Client(grpc_target)
    yield client
    client.channel.close()
