"""Test fixtures: a real uvicorn server on loopback, two organisations, HTTP clients.

Tests talk to Horn over real HTTP (httpx -> uvicorn -> horn.asgi), so every
test uses `transactional_db`: the server's DB threads must see committed rows.
With HORN_DATABASE_URL / HORN_REDIS_URL set (CI), the suite runs on MariaDB
and Redis and fails at once if either is unreachable.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass

import httpx
import pytest
import redis
import uvicorn
from django.conf import settings

from apps.accounts import auth, orgs
from apps.accounts.actions import create_organisation, create_staff
from apps.chats import availability
from apps.core.redis import fake_server
from apps.guard import banlist, ratelimit

ORIGIN_A = "https://shop.acme.test"
ORIGIN_B = "https://globex.test"


def _sync_redis():
    if settings.HORN_REDIS_URL:
        return redis.Redis.from_url(settings.HORN_REDIS_URL, decode_responses=True)
    import fakeredis

    return fakeredis.FakeRedis(server=fake_server(), decode_responses=True)


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    # Real hashing costs ~0.4 s per user; tests create several per test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def _no_rate_limits():
    # Every test sends from 127.0.0.1, many faster than a person types; tests/guard turns the
    # limits on (with small ones) where they are the subject.
    settings.HORN_RATE_LIMITS = False


@pytest.fixture(scope="session", autouse=True)
def _no_event_stream():
    # The relay polls the database ten times a second and remembers where each stream ended; across
    # tests that empty the database and Redis it would only get in the way. tests/integrations turns
    # it on (restarting the server) where the stream is the subject. Likewise the webhook worker.
    settings.HORN_EVENT_STREAM = False
    settings.HORN_WEBHOOKS = False
    # Report roll-ups are folded where a test asks for it (manage.py horn_rollups), not a minute in.
    settings.HORN_REPORT_FOLD_INTERVAL = 0


@pytest.fixture
def stream_on(horn_server, settings):
    """The server restarted with the event-stream relay running (the suite runs without it)."""
    settings.HORN_EVENT_STREAM = True
    settings.HORN_EVENT_STREAM_PERIOD_MS = 20
    horn_server.stop()
    horn_server.start()
    yield
    settings.HORN_EVENT_STREAM = False
    horn_server.stop()
    horn_server.start()


@pytest.fixture(scope="session", autouse=True)
def _services_reachable():
    """In CI a missing service must fail the run, never skip or silently fall back."""
    if os.environ.get("HORN_CI"):
        assert settings.HORN_DATABASE_URL.startswith("mysql"), "CI must run on MariaDB"
        assert settings.HORN_REDIS_URL, "CI must run on Redis"
    _sync_redis().ping()  # raises ConnectionError if Redis is down


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """The suite's uvicorn server, in a thread of the test process; stop() and start() again restart it (same port)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.before_stop: list = []

    def start(self) -> None:
        from horn.asgi import application

        # proxy_headers=False as in production (horn/serve.py): X-Forwarded-For is Horn's to judge
        # (apps/guard/clientip.py). A short graceful shutdown: a restart test must not wait on long-polls.
        config = uvicorn.Config(application, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on",
                                proxy_headers=False, timeout_graceful_shutdown=2)  # fmt: skip
        self.uv = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.uv.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.uv.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)

    def stop(self) -> None:
        for hook in self.before_stop:  # what else runs on the server's loop stops first (tests/grpcapi)
            hook()
        self.uv.should_exit = True
        self.thread.join(timeout=30)
        assert not self.thread.is_alive(), f"uvicorn did not stop:\n{self._stuck()}"

    def _stuck(self) -> str:
        """Where the server's thread is, and what its event loop still runs (for a shutdown that hangs)."""
        import asyncio
        import sys
        import traceback

        frame = sys._current_frames().get(self.thread.ident)
        out = ["".join(traceback.format_stack(frame)) if frame else "(no frame)"]
        from apps.realtime.hub import hub

        loops = [hub.loop] + [getattr(s, "_loop", None) for s in getattr(self.uv, "servers", [])]
        for loop in {loop for loop in loops if loop is not None}:
            for task in list(asyncio.all_tasks(loop)):
                out.append(f"task {task.get_name()}: {task.get_coro()!r}")
                out += ["".join(traceback.format_stack(f)) for f in task.get_stack(limit=8)]
        return "\n".join(out)


@pytest.fixture(scope="session")
def horn_server(django_db_setup, django_db_blocker):
    """One uvicorn server, in a thread of the test process, on the test database."""
    live = LiveServer()
    with django_db_blocker.unblock():
        live.start()
        yield live
        live.stop()


@pytest.fixture(scope="session")
def server(horn_server) -> str:
    return horn_server.url


@pytest.fixture
def horn(server, transactional_db):
    """A fresh world per test: empty DB (transactional_db), empty Redis, nothing cached."""
    _sync_redis().flushdb()
    orgs.forget_all()
    auth.forget_tokens()
    availability.forget()
    ratelimit.forget()
    banlist.forget()
    with httpx.Client(base_url=server, timeout=20) as client:
        yield client


@dataclass
class StaffUser:
    sid: str
    username: str
    password: str
    token: str
    org_id: int

    @property
    def uid(self) -> str:
        return self.sid

    @property
    def auth(self) -> dict:
        return {"Authorization": f"Token {self.token}"}


@dataclass
class World:
    acme: object
    globex: object
    alice: StaffUser  # Acme, admin
    bob: StaffUser  # Acme, agent
    charlie: StaffUser  # Globex, admin


def _staff(org, username: str, name: str, role: str = "agent") -> StaffUser:
    staff = create_staff(org=org, username=username, password=f"{username}-pw-123", name=name, role=role)
    return StaffUser(staff.sid, username, f"{username}-pw-123", staff.user.auth_token.key, org.pk)


@pytest.fixture
def world(horn) -> World:
    """Two organisations: Alice (admin) and Bob (agent) work for Acme, Charlie (admin) for Globex."""
    acme = create_organisation(name="Acme", allowed_origins=[ORIGIN_A])
    globex = create_organisation(name="Globex", allowed_origins=[ORIGIN_B])
    return World(
        acme,
        globex,
        _staff(acme, "alice", "Alice", "admin"),
        _staff(acme, "bob", "Bob"),
        _staff(globex, "charlie", "Charlie", "admin"),
    )


@pytest.fixture
def no_leaked_subscriptions():
    """Every connection a test opened must be released once it closes (no leaks in the hub)."""
    from apps.realtime.hub import hub

    yield
    deadline = time.monotonic() + 5
    while hub.connections and time.monotonic() < deadline:
        time.sleep(0.05)
    assert hub.connections == 0, "a push subscription outlived its connection"


@dataclass
class Mailbox:
    """Mail received by a real SMTP server on loopback (aiosmtpd)."""

    messages: list

    def wait(self, count: int = 1, timeout: float = 10.0) -> list:
        """The first `count` messages, once they have arrived (SMTP delivery is synchronous, so normally at once)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.messages) >= count, f"expected {count} mails, got {len(self.messages)}"
        return self.messages[:count]


@pytest.fixture
def smtp(settings):
    """Horn sends its mail over SMTP to an aiosmtpd server on 127.0.0.1; the test reads what arrived."""
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller

    box = Mailbox([])

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            mail = message_from_bytes(envelope.content, policy=policy.default)
            box.messages.append(mail)
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = False
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def behind_proxy(settings):
    """The test client (127.0.0.1) plays a reverse proxy we trust: its X-Forwarded-For is believed."""
    settings.HORN_TRUSTED_PROXIES = "127.0.0.1, 10.0.0.0/8"
    return settings


@pytest.fixture
def bot(world):
    """Acme's bot, "Helper" (Authorization: Bearer <key>)."""
    from apps.accounts.actions import create_bot
    from tests.helpers import BotUser

    row, key = create_bot(org=world.acme, name="Helper")
    return BotUser(row.bid, key)


@pytest.fixture
def chat(horn, world):
    """An active Acme chat: a visitor and Alice. Returns (visitor, chat id)."""
    from tests.helpers import join, request_chat, track

    visitor = track(horn, world.acme.pk)
    chat_id = request_chat(horn, visitor)
    join(horn, world.alice, chat_id)
    return visitor, chat_id


def pytest_collection_modifyitems(items):
    """Browser tests last: their session browser (and the async-unsafe allowance it needs) starts late."""
    items.sort(key=lambda item: "tests/browser/" in str(item.path))
