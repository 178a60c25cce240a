"""The production server: one uvicorn process per core, each on its own listening socket.

    python -m horn.serve --host 0.0.0.0 --port 8000 --workers 2 [--grpc-port 50051]

`uvicorn --workers N` shares one listening socket among its workers, and a new
connection goes to whichever process wakes first. Under load that is uneven:
in the benchmark one worker took 435 CPU ticks while the other took 59, so the
machine sat at 60% with one core saturated. Here every worker binds its own
socket with SO_REUSEPORT and the kernel spreads connections by hash.

With `--grpc-port` (or HORN_GRPC_PORT) every worker also serves seed 000's
Support gRPC service (apps/grpcapi) on that port, also with SO_REUSEPORT, on
the worker's own event loop beside its push hub; it stops with the worker.

The supervisor restarts a worker that dies (its clients reconnect and resume
from their cursors), and stops every worker gracefully on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import os
import signal
import socket
import sys
import time

GC_GEN0 = 20_000  # allocations between young-generation collections (CPython's default: 700)
EARLY_DEATH = 5.0  # seconds: a worker that dies this soon after starting will not do better next time


def listen(host: str, port: int, backlog: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    return sock


def worker(host: str, port: int, backlog: int, log_level: str) -> None:
    import uvicorn

    import horn.asgi  # noqa: F401  (load Django before freezing)

    # Everything loaded so far lives as long as the process: keep it out of the
    # collector's way, and collect the young generation less often. Full
    # collections over a process holding thousands of connections were the
    # longest pauses in the benchmark's latency tail.
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_GEN0, 20, 20)

    config = uvicorn.Config(
        "horn.asgi:application",
        loop="uvloop",
        http="httptools",
        # permessage-deflate keeps two zlib streams per connection: 46 of the 64 KB an idle
        # websocket cost, and CPU on every frame, for chat frames of a few hundred bytes.
        ws_per_message_deflate=False,
        lifespan="on",
        log_level=log_level,
        access_log=False,
        backlog=backlog,
        # Uvicorn would believe X-Forwarded-For from 127.0.0.1 by default; Horn decides
        # itself, from HORN_TRUSTED_PROXIES (apps/guard/clientip.py).
        proxy_headers=False,
    )
    uvicorn.Server(config).run(sockets=[listen(host, port, backlog)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="default: one per core")
    parser.add_argument("--backlog", type=int, default=4096)
    parser.add_argument("--log-level", default="warning")
    parser.add_argument(
        "--grpc-port",
        type=int,
        default=int(os.environ.get("HORN_GRPC_PORT") or 0),
        help="also serve the Support gRPC service on this port (default: HORN_GRPC_PORT, else not)",
    )
    args = parser.parse_args(argv)
    embedded = not (os.environ.get("HORN_DATABASE_URL") and os.environ.get("HORN_REDIS_URL"))
    if embedded and args.workers > 1:
        # The embedded default keeps its channel layer in memory: processes would not see each other.
        print("horn.serve: the embedded default runs one worker; set HORN_DATABASE_URL and HORN_REDIS_URL for more")
        args.workers = 1
    listen(args.host, args.port, 1).close()  # fail here, once, if the address is taken
    if args.grpc_port:
        listen(args.host, args.grpc_port, 1).close()
    # The workers read these as settings (HORN_GRPC_PORT 0: no gRPC), whatever the environment said.
    os.environ["HORN_GRPC_PORT"], os.environ["HORN_GRPC_HOST"] = str(args.grpc_port), args.host

    ctx = multiprocessing.get_context("spawn")
    procs: dict[int, tuple[multiprocessing.Process, float]] = {}

    def start(i: int) -> None:
        p = ctx.Process(target=worker, args=(args.host, args.port, args.backlog, args.log_level), name=f"horn-{i}")
        p.start()
        procs[i] = (p, time.monotonic())

    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for i in range(args.workers):
        start(i)
    code = 0
    while not stopping:
        time.sleep(0.2)
        for i, (p, started) in list(procs.items()):
            if p.is_alive() or stopping:
                continue
            if time.monotonic() - started < EARLY_DEATH:
                print(f"horn.serve: worker {i} exited with {p.exitcode} right after starting; stopping", flush=True)
                stopping, code = True, 1
                break
            print(f"horn.serve: worker {i} exited with {p.exitcode}; starting a new one", flush=True)
            start(i)
    for p, _ in procs.values():
        if p.is_alive():
            p.terminate()  # SIGTERM: uvicorn closes connections and runs the lifespan shutdown
    for p, _ in procs.values():
        p.join(30)
        if p.is_alive():
            p.kill()
    return code


if __name__ == "__main__":
    sys.exit(main())
