"""python manage.py horn_grpc --port 50051: seed 000's Support service on its own (no HTTP).

With the embedded default, events committed by another process (the HTTP
server) reach this one through the hub's once-a-second check of the database;
`python -m horn.serve --grpc-port 50051` serves gRPC inside the HTTP workers,
which delivers at once. On MariaDB + Redis either is immediate.
"""

from __future__ import annotations

import asyncio
import signal

import uvloop
from django.core.management.base import BaseCommand

from apps.grpcapi import server as grpc_api
from apps.realtime.hub import hub


class Command(BaseCommand):
    help = "Serve the Support gRPC service (seed 000) until SIGTERM or SIGINT."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=50051)

    def handle(self, *args, host: str, port: int, **options):
        uvloop.run(self.serve(host, port))

    async def serve(self, host: str, port: int) -> None:
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stopping.set)
        await hub.start()
        running = await grpc_api.start(host, port)
        self.stdout.write(f"horn_grpc: Support on {host}:{running.port}", ending="\n")
        self.stdout.flush()
        await stopping.wait()
        await running.stop()
        await hub.stop()
