"""The gRPC server: seed 000's Support service and the standard health service, on grpc.aio.

It runs on the event loop of the process it serves from, beside that
process's push hub: inside each `horn.serve` worker (`--grpc-port`, all
workers on one port with SO_REUSEPORT, as their HTTP sockets), or alone with
`python manage.py horn_grpc`.
"""

from __future__ import annotations

import logging

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from . import support_pb2_grpc
from .agent import AgentStream, agent_caller
from .customer import CustomerStream, customer_caller
from .streams import serve

log = logging.getLogger("horn.grpc")

SERVICE = "Support"  # no package in the seed's proto: the full name is the bare service name
# A 1 MB msg must reach Horn's own check (INVALID_ARGUMENT, the text limit), not grpc's 4 MB cap.
MAX_MESSAGE = 2 * 1024 * 1024
GRACE = 3.0  # seconds open streams get to finish when the server stops; clients resume with init


class Support(support_pb2_grpc.SupportServicer):
    async def ChatCustomer(self, request_iterator, context):  # noqa: N802 (the seed's names)
        await serve(CustomerStream, context, customer_caller)

    async def ChatAgent(self, request_iterator, context):  # noqa: N802
        await serve(AgentStream, context, agent_caller)


class GrpcServer:
    """A started server and its health service (NOT_SERVING while it stops)."""

    def __init__(self, server: grpc.aio.Server, health_servicer: health.aio.HealthServicer, port: int):
        self.server, self.health, self.port = server, health_servicer, port

    async def stop(self, grace: float = GRACE) -> None:
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace)


async def start(host: str, port: int) -> GrpcServer:
    """Listen on host:port (0: any free port) on the running event loop."""
    server = grpc.aio.server(
        options=[("grpc.max_receive_message_length", MAX_MESSAGE), ("grpc.so_reuseport", 1)],
    )
    support_pb2_grpc.add_SupportServicer_to_server(Support(), server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    bound = server.add_insecure_port(f"{host}:{port}")
    if not bound:
        raise OSError(f"cannot listen for gRPC on {host}:{port}")
    await server.start()
    for name in ("", SERVICE):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    log.info("gRPC Support service on %s:%d", host, bound)
    return GrpcServer(server, health_servicer, bound)
