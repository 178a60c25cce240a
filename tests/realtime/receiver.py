"""A receiver that keeps disconnecting and reconnecting, to random nodes, alternating /ws and /pull."""

from __future__ import annotations

import json
import random
import threading
import time

import httpx
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from tests.realtime.wsclient import open_ws


class Receiver(threading.Thread):
    def __init__(self, name: str, who, nodes, cursor: str, seed: int):
        super().__init__(name=name, daemon=True)
        self.who, self.nodes, self.cursor = who, nodes, cursor
        self.start_cursor = cursor
        self.rng = random.Random(seed)
        self.received: list[dict] = []
        self.problems: list[str] = []
        self.stop = threading.Event()
        self.sessions = {"ws": 0, "pull": 0}

    def take(self, event: dict) -> None:
        self.received.append(event)
        self.cursor = event["version"]

    def node(self):
        alive = [n for n in self.nodes if n.proc.poll() is None]
        return self.rng.choice(alive)

    def run(self) -> None:
        mode = self.rng.choice(["ws", "pull"])
        while not self.stop.is_set():
            try:
                self.ws_session() if mode == "ws" else self.pull_once()
            except (OSError, httpx.HTTPError, ConnectionClosed, InvalidHandshake, TimeoutError):
                time.sleep(0.05)  # a node went away mid-session: reconnect elsewhere
            mode = "pull" if mode == "ws" else "ws"
        self.catch_up()

    def ws_session(self) -> None:
        self.sessions["ws"] += 1
        with open_ws(self.node().url, self.who, version=self.cursor) as ws:
            deadline = time.monotonic() + self.rng.uniform(0.05, 0.8)
            while (left := deadline - time.monotonic()) > 0:
                try:
                    frame = json.loads(ws.recv(timeout=left))
                except TimeoutError:
                    return
                self.frame(frame)

    def pull_once(self, timeout: float = 10) -> list[dict]:
        self.sessions["pull"] += 1
        params = {"uid": self.who.uid, "token": self.who.token, "version": self.cursor}
        r = httpx.get(self.node().url + "/pull", params=params, timeout=timeout)
        body = r.json()
        if r.status_code != 200:
            self.problems.append(f"pull answered {r.status_code} {body}")
            return []
        for frame in body["data"]:
            self.frame(frame)
        self.cursor = body["version"]
        return body["data"]

    def frame(self, frame: dict) -> None:
        if "code" in frame:
            self.problems.append(f"control frame {frame}")
        elif "version" in frame:
            self.take(frame)

    def catch_up(self) -> None:
        """Pull until a poll comes back empty: nothing more is owed."""
        for _ in range(50):
            try:
                if not self.pull_once():
                    return
            except (OSError, httpx.HTTPError):
                time.sleep(0.1)
        self.problems.append("never caught up")
