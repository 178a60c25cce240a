"""The Support service in real server processes: beside the ASGI workers of horn.serve, and alone.

Each is asked for its health over gRPC, refuses a stream without credentials, and stops
gracefully on SIGTERM (exit status 0).
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import grpc
import httpx
import pytest
from django.conf import settings
from grpc_health.v1 import health_pb2, health_pb2_grpc

from apps.grpcapi import support_pb2 as pb
from tests.grpcapi.client import WAIT, Client
from tests.realtime.cluster import free_port

ROOT = Path(__file__).resolve().parents[2]


def serving(port: int) -> bool:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        try:
            reply = stub.Check(health_pb2.HealthCheckRequest(service="Support"), timeout=1)
        except grpc.RpcError:
            return False
        return reply.status == health_pb2.HealthCheckResponse.SERVING


@pytest.fixture
def run(tmp_path):
    """Start a command in the repository; wait until its gRPC port is healthy; stop it with SIGTERM after."""
    procs = []

    def start(args: list[str], grpc_port: int) -> subprocess.Popen:
        env = {**os.environ, "HORN_SECRET_KEY": settings.SECRET_KEY, "HORN_DEBUG": "0"}
        log = open(tmp_path / "server.log", "w")  # noqa: SIM115
        proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        procs.append(proc)
        deadline = time.monotonic() + WAIT
        while not serving(grpc_port):
            assert proc.poll() is None, (tmp_path / "server.log").read_text()
            assert time.monotonic() < deadline, "the gRPC service did not come up"
            time.sleep(0.1)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def stops_gracefully(proc: subprocess.Popen, grpc_port: int) -> None:
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0
    assert not serving(grpc_port)


def refuses_strangers(grpc_port: int) -> None:
    client = Client(f"127.0.0.1:{grpc_port}")
    stream = client.customer(metadata=()).send(init=pb.InitiateChat())
    assert stream.status().code == grpc.StatusCode.UNAUTHENTICATED
    client.channel.close()


def test_served_beside_the_asgi_workers(run):
    http_port, grpc_port = free_port(), free_port()
    serve = ["-m", "horn.serve", "--port", str(http_port), "--grpc-port", str(grpc_port), "--workers", "1"]
    proc = run(serve, grpc_port)
    assert httpx.get(f"http://127.0.0.1:{http_port}/monitor/api/ping", timeout=WAIT).status_code == 200
    refuses_strangers(grpc_port)
    stops_gracefully(proc, grpc_port)


def test_manage_py_horn_grpc(run):
    grpc_port = free_port()
    proc = run(["manage.py", "horn_grpc", "--port", str(grpc_port)], grpc_port)
    refuses_strangers(grpc_port)
    stops_gracefully(proc, grpc_port)
