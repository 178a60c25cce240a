"""Two (or more) real Horn server processes on loopback, sharing the test database and Redis."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_database_url() -> str:
    """HORN_DATABASE_URL, pointed at the database pytest-django created."""
    base = settings.HORN_DATABASE_URL.rsplit("/", 1)[0]
    return f"{base}/{settings.DATABASES['default']['NAME']}"


class Node:
    def __init__(self, name: str, extra_env: dict | None = None):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "HORN_DATABASE_URL": test_database_url(),
            "HORN_REDIS_URL": settings.HORN_REDIS_URL,
            "HORN_SECRET_KEY": settings.SECRET_KEY,
            "HORN_PUSH_ADDR": f"127.0.0.1:{self.port}",
            "HORN_SERVICE_ID": name,
            "HORN_DEBUG": "0",
            **(extra_env or {}),
        }
        self.proc: subprocess.Popen | None = None

    def start(self) -> Node:
        cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            "horn.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--log-level",
            "warning",
            "--no-access-log",
            "--no-proxy-headers",  # as horn/serve.py: HORN_TRUSTED_PROXIES decides
        ]
        self.log = open(f"/tmp/horn-node-{self.name}-{self.port}.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            assert self.proc.poll() is None, f"node {self.name} exited: see {self.log.name}"
            try:
                if httpx.get(self.url + "/monitor/api/ping", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"node {self.name} did not start"
            time.sleep(0.1)

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()
