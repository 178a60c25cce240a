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
