"""GET /api/widget/config: the org's widget settings and availability, public but origin-checked (issue 11)."""

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from apps.accounts import orgs
from apps.accounts.models import Organisation
from apps.accounts.widget import DEFAULTS, effective, validate_widget
from apps.chats import availability
from tests.conftest import ORIGIN_A, ORIGIN_B
from tests.helpers import error, ok, snapshot


def config(client, cid, origin=ORIGIN_A):
    return client.get("/api/widget/config", params={"cid": cid}, headers={"Origin": origin} if origin else {})


def test_a_new_org_gets_the_defaults_the_server_file_limit_and_its_availability(horn, world):
    body = ok(config(horn, world.acme.pk))
    assert body["cid"] == world.acme.pk
    assert body["widget"] == DEFAULTS
    assert body["files"] == {"max_size": settings.HORN_MAX_FILE_SIZE, "accepted": []}
    assert body["heartbeat"] == settings.HORN_HEARTBEAT_INTERVAL
    assert body["available"] == {"open": False, "reason": "nobody_available"}


def test_the_allowed_site_reads_it_cross_origin(horn, world):
    r = config(horn, world.acme.pk)
    assert r.headers["Access-Control-Allow-Origin"] == ORIGIN_A


def test_the_orgs_settings_and_lower_file_limit_are_served_and_staff_online_open_it(horn, world):
    widget = {"colour": "#aa0033", "position": "left", "greeting": "Hej!", "language": "sv",
              "pre_chat": {"email": "required"}, "offline_form": False}  # fmt: skip
    Organisation.objects.filter(pk=world.acme.pk).update(
        widget=widget, max_file_size=1000, accepted_file_types=["image/*"]
    )
    orgs.forget_all()
    ok(horn.get("/api/ping", headers=world.alice.auth))
    availability.forget()
    body = ok(config(horn, str(world.acme.pk)))
    assert body["widget"] == {**widget, "pre_chat": {"name": "off", "email": "required"}, "sound": False}
    assert body["files"] == {"max_size": 1000, "accepted": ["image/*"]}
    assert body["available"] == {"open": True}


def test_a_hand_edited_bad_setting_falls_back_to_its_default(horn, world):
    assert effective({"colour": "red", "position": "top", "greeting": 5}) == DEFAULTS


@pytest.mark.parametrize(
    "bad",
    [
        [],
        {"color": "#000000"},
        {"colour": "blue"},
        {"position": "middle"},
        {"language": "de"},
        {"greeting": "x" * 301},
        {"pre_chat": {"phone": "required"}},
        {"pre_chat": {"name": "yes"}},
        {"sound": "on"},
    ],
)
def test_the_admin_refuses_bad_settings(bad):
    with pytest.raises(ValidationError):
        validate_widget(bad)


def test_a_missing_or_malformed_cid_is_refused(horn, world):
    before = snapshot()
    error(horn.get("/api/widget/config", headers={"Origin": ORIGIN_A}), 400, 1002, "cid")
    error(config(horn, "abc"), 400, 1004, "cid")
    error(config(horn, "9" * 30), 400, 1004, "cid")
    error(config(horn, 999999), 404, 3001, "cid")
    assert snapshot() == before


def test_another_site_is_refused_readably(horn, world):
    r = config(horn, world.acme.pk, origin="https://evil.test")
    error(r, 403, 2003, "Origin")
    assert r.headers["Access-Control-Allow-Origin"] == "https://evil.test"  # so the widget can show why


def test_another_orgs_site_cannot_read_this_orgs_config(horn, world):
    """Cross-tenant: Globex's site asking for Acme's config is refused, and vice versa."""
    error(config(horn, world.acme.pk, origin=ORIGIN_B), 403, 2003, "Origin")
    error(config(horn, world.globex.pk, origin=ORIGIN_A), 403, 2003, "Origin")
    assert ok(config(horn, world.globex.pk, origin=ORIGIN_B))["cid"] == world.globex.pk


def test_horns_own_origin_is_always_allowed(horn, world, server):
    assert ok(config(horn, world.acme.pk, origin=server))["cid"] == world.acme.pk
