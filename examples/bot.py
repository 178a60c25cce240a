"""A small Horn bot on the /bot protocol (docs/bots.md), playing two of seed 003's scenarios.

    python examples/bot.py --server ws://127.0.0.1:8000 --key KEY --backend-id faq-1 still-there --chat CHAT_ID
    python examples/bot.py --server ws://127.0.0.1:8000 --key KEY --backend-id closer-1 closer

still-there: join the chat, identify the customer, hand the chat to the agents' queue, make sure the
customer is still there, and hand it over again (the chat then goes first in line).
closer: wait until an agent hands a chat over, ask whether there is anything else; on a question,
hand the chat back to that agent; otherwise end it in the agent's name.

It uses nothing but the documented protocol: hello, requests with ids answered by success or
failed, and the chat events pushed to it. Each line it prints is one thing it did, as JSON.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys

from websockets.sync.client import connect


class Bot:
    def __init__(self, server: str, key: str, backend_id: str):
        self.ws = connect(f"{server}/bot?apiKey={key}", open_timeout=10)
        self.ids = itertools.count(1)
        self.backlog: list[dict] = []  # events that came while waiting for a reply
        self.ws.send(json.dumps({"type": "hello", "backend_id": backend_id, "tags": {"bot": backend_id}}))
        welcome = json.loads(self.ws.recv(timeout=10))
        if welcome.get("type") != "welcome":
            raise SystemExit(f"refused: {welcome.get('reason')}")
        self.uid = welcome["bot"]["id"]

    def request(self, body: dict) -> dict:
        request_id = f"r{next(self.ids)}"
        self.ws.send(json.dumps({**body, "id": request_id}))
        while True:
            frame = json.loads(self.ws.recv(timeout=20))
            if frame.get("id") == request_id and frame.get("type") in ("success", "failed"):
                if frame["type"] == "failed":
                    raise SystemExit(f"{body['type']} failed: {frame['reason']}")
                return frame
            self.backlog.append(frame)

    def send(self, message: dict, **tags) -> dict:
        return self.request({"type": "send", "message": message, **({"tags": tags} if tags else {})})

    def next_event(self, want) -> dict:
        """The next pushed event for which want(event) holds."""
        while True:
            frame = self.backlog.pop(0) if self.backlog else json.loads(self.ws.recv(timeout=30))
            if "version" in frame and want(frame):
                return frame

    def say(self, chat_id: str, text: str, **tags) -> None:
        self.send({"type": "text", "chat": {"id": chat_id}, "text": text}, **tags)


def log(**what) -> None:
    print(json.dumps(what), flush=True)


def still_there(bot: Bot, chat_id: str) -> None:
    bot.send({"type": "join_chat", "chat": {"id": chat_id}})
    meta = bot.request({"type": "metadata", "chat": chat_id})["metadata"]
    customer = (meta["visitor"].get("customer") or {}).get("id") or "guest"
    bot.send({"type": "customer_identified", "chat": {"id": chat_id}, "event": {"customer_id": customer}})
    bot.send({"type": "handover_to_agent", "chat": {"id": chat_id}}, step="queued")
    log(step="handed over", chat=chat_id, customer=customer)
    bot.say(chat_id, "Are you still there?", step="check")
    answer = bot.next_event(lambda e: e["type"] == "text" and e["from"]["role"] == "user")
    log(step="customer answered", text=answer["text"])
    bot.send({"type": "handover_to_agent", "chat": {"id": chat_id}}, step="confirmed")
    log(step="handed over again", chat=chat_id)


def closer(bot: Bot) -> None:
    handed = bot.next_event(lambda e: e["type"] == "transfer" and e["event"]["to"].get("bot") == bot.uid)
    chat_id = handed["chat"]["id"]
    log(step="got chat", chat=chat_id)
    bot.say(chat_id, "Anything else I can help with?")
    answer = bot.next_event(lambda e: e["type"] == "text" and e["from"]["role"] == "user")
    if answer["text"].rstrip().endswith("?"):
        bot.send({"type": "handover_to_agent", "chat": {"id": chat_id}})
        log(step="handed back", chat=chat_id)
    else:
        bot.send({"type": "end_chat", "chat": {"id": chat_id}, "event": {"reason": "Thank you for contacting us."}})
        log(step="ended", chat=chat_id)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", required=True, help="ws://host:port of Horn")
    parser.add_argument("--key", required=True, help="the bot's API key")
    parser.add_argument("--backend-id", required=True)
    sub = parser.add_subparsers(dest="play", required=True)
    sub.add_parser("still-there").add_argument("--chat", required=True)
    sub.add_parser("closer")
    args = parser.parse_args(argv)
    bot = Bot(args.server, args.key, args.backend_id)
    log(step="connected", bot=bot.uid)
    if args.play == "still-there":
        still_there(bot, args.chat)
    else:
        closer(bot)
    bot.ws.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
