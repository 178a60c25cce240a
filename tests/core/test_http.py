"""What every API response shares: JSON errors even for unknown paths."""

from tests.helpers import error


def test_unknown_api_paths_answer_json(horn):
    error(horn.get("/api/nope"), 404, 3002)
    error(horn.post("/api/message/extra", json={}), 404, 3002)


def test_other_unknown_paths_answer_a_page(horn):
    r = horn.get("/no-such-page")
    assert r.status_code == 404 and "json" not in r.headers["content-type"]


def test_the_login_page_and_admin_static_files_are_served(horn):
    assert horn.get("/login/").status_code == 200
    assert horn.get("/static/admin/css/base.css").status_code == 200


def test_a_body_over_the_limit_is_refused(horn, world):
    from tests.helpers import snapshot

    before = snapshot()
    r = horn.post("/api/user/track", content=b"{" + b" " * 3_000_000 + b"}")
    error(r, 413, 1009)
    assert snapshot() == before


def test_half_a_production_config_refuses_to_start():
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("HORN_")}
    env.update(HORN_DATABASE_URL="mysql://root@127.0.0.1:3306/horn", HORN_SECRET_KEY="x")
    r = subprocess.run([sys.executable, "-c", "import horn.settings"], env=env, capture_output=True, text=True)
    assert r.returncode != 0 and "set both HORN_DATABASE_URL and HORN_REDIS_URL" in r.stderr
