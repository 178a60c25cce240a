"""The benchmark's smoke mode runs end to end, so the harness cannot rot (figures are not judged here)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    not settings.HORN_REDIS_URL or not settings.HORN_DATABASE_URL.startswith("mysql"),
    reason="the benchmark runs Horn on its production configuration (MariaDB + Redis)",
)


def test_the_smoke_benchmark_runs_all_systems_and_scenarios(tmp_path):
    out = tmp_path / "smoke.json"
    run = subprocess.run(
        [sys.executable, "-m", "bench.run", "--smoke", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    results = json.loads(out.read_text())
    assert "| metric | Horn | limit | naive |" in run.stdout
    for name in ("horn", "limit", "naive"):
        system = results[name]
        assert [r["delivered_ratio"] for r in system["chat"]["by_rate"]] == [1.0, 1.0], name
        assert system["fanout"]["delivered_ratio"] == 1.0, name
        assert system["connections"]["burst_failed"] == 0, name
        assert "rps" in system["ping"], system["ping"]
    horn = results["horn"]
    assert horn["connections"]["idle_failed"] == 0
    assert all(r["accepted"] == r["sent"] for r in horn["chat"]["by_rate"])
    assert horn["track"]["non_2xx"] == 0 and horn["ping"]["non_2xx"] == 0
    assert [(r["delivered_ratio"], r["errors"]) for r in horn["longpoll"]["by_rate"]] == [(1.0, 0)]
    sql = {step["state_init_sql"] for step in horn["growth"]["steps"]}
    assert len(sql) == 1, horn["growth"]  # as many statements whatever the history
    assert horn["robustness"]["redis_restart"]["delivered_ratio"] == 1.0
    assert horn["robustness"]["slow_client"]["delivered_ratio"] == 1.0
    assert horn["robustness"]["reconnect_storm"]["failed"] == 0
    for kind in ("jpeg_200k", "pdf_2m"):
        assert horn["uploads"][kind]["errors"] == 0 and horn["uploads"][kind]["uploads"] > 0, horn["uploads"]
    search = horn["search"]
    assert search["messages"] == 10_000 and search["by_shape"]["rare word"]["chats"] > 0, search
    assert search["by_shape"]["Chinese"]["chats"] > 0 and search["by_shape"]["common word, page 2"]["chats"] > 0
    assert search["baseline_ping"]["p50"] > 0, search
    console = horn["console"]  # Chromium logged in and saw every chat and visitor, each run
    assert (console["chats"], console["visitors"], console["runs"]) == (5, 20, 2) and console["p99"] > 0, console
    retention = horn["retention"]
    assert retention["messages"] == 10_000 and retention["messages_left"] == 0, retention
    assert retention["delivered_ratio_min"] == 1.0 and retention["during"]["samples"] > 0, retention
    for label in ("off", "on"):  # the bench's own load is never throttled, limits on or off
        run_ = horn["ratelimit"][label]
        assert run_["accepted"] == run_["sent"] and run_["delivered_ratio"] == 1.0, horn["ratelimit"]
    hooks = horn["integrations"]["webhooks"]
    assert hooks["delivered"] == hooks["sent"] and hooks["burst_delivered"] == hooks["burst"], hooks
    assert horn["integrations"]["bot"]["requests"] > 0
    runs = horn["integrations"]["eventstream"]["runs"]
    assert [run_["stream"] for run_ in runs] == ["off", "on", "on", "off"]
    for run_ in runs:
        assert run_["accepted"] == run_["sent"] and run_["delivered_ratio"] == 1.0, horn["integrations"]


def test_the_grpc_smoke_benchmark_runs(tmp_path):
    """bench/grpc_load.py: gRPC chat, the gRPC <-> /ws round trip and the websocket chat beside them."""
    out = tmp_path / "grpc.json"
    run = subprocess.run(
        [sys.executable, "-m", "bench.grpc_load", "--smoke", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    results = json.loads(out.read_text())
    chat = results["grpc_chat"]
    assert chat["delivered_in_all"] == chat["sent_in_all"] and chat["stream_errors"] == [], chat
    assert [r["written"] == r["sent"] for r in chat["by_rate"]] == [True]
    echo = results["grpc_to_ws"]
    assert echo["answered"] == echo["sent"] and echo["round_trip_ms"]["p50"] is not None, echo
    assert [r["delivered_ratio"] for r in results["ws_chat"]["by_rate"]] == [1.0]
