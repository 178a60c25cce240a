"""Read Horn's event stream of one organisation with a Redis consumer group (seed 002 envelopes).

    python examples/event_consumer.py --redis redis://127.0.0.1:6379/0 --org 1 --group crm --consumer crm-1

Each consumer of a group gets each event once; an event is acknowledged (XACK) only after it
was handled, so one that a crashed consumer took is handed out again (XAUTOCLAIM) after
`--claim-after` milliseconds. Handling must therefore be idempotent: the envelope's `id` is
stable (a message's mid), so a consumer can skip an id it has seen.
"""

from __future__ import annotations

import argparse
import json
import sys


def stream_key(org: int) -> str:
    return f"horn:events:{org}"


def ensure_group(client, org: int, group: str, start: str = "0") -> None:
    """Create the group once; `start` "0" reads the stream from its beginning, "$" only what comes next."""
    try:
        client.xgroup_create(stream_key(org), group, id=start, mkstream=True)
    except Exception as exc:  # BUSYGROUP: it exists already
        if "BUSYGROUP" not in str(exc):
            raise


def consume(
    client,
    org: int,
    group: str,
    consumer: str,
    handle,
    *,
    count: int | None = None,
    block_ms: int = 5000,
    claim_after_ms: int = 60_000,
) -> int:
    """Hand each event to `handle(envelope)`, then acknowledge it; stop after `count` events (None: never)."""
    ensure_group(client, org, group)
    key, done = stream_key(org), 0
    while count is None or done < count:
        want = 100 if count is None else min(100, count - done)  # never take more than will be handled
        # First what other consumers took and never acknowledged, then new entries.
        _, entries, _ = client.xautoclaim(key, group, consumer, min_idle_time=claim_after_ms, count=want)
        if not entries:
            read = client.xreadgroup(group, consumer, {key: ">"}, count=want, block=block_ms or None)
            entries = [entry for _, batch in read or [] for entry in batch]
        if not entries and not block_ms:
            break
        for entry_id, fields in entries:
            handle(json.loads(fields["event"]))
            client.xack(key, group, entry_id)
            done += 1
    return done


def main(argv=None) -> int:
    import redis

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--org", type=int, required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--consumer", required=True)
    parser.add_argument("--count", type=int, help="stop after this many events")
    args = parser.parse_args(argv)
    client = redis.Redis.from_url(args.redis, decode_responses=True)

    def show(event: dict) -> None:
        print(json.dumps({k: event[k] for k in ("id", "version", "name", "sessionId", "payload")}), flush=True)

    consume(client, args.org, args.group, args.consumer, show, count=args.count)
    return 0


if __name__ == "__main__":
    sys.exit(main())
