"""Which address is the client: the socket peer, or what a trusted proxy says in X-Forwarded-For."""

from __future__ import annotations

import pytest

from apps.core.clientip import resolve
from apps.visitors.models import Visit
from tests.helpers import track


def last_visit_ip() -> str:
    return Visit.objects.order_by("-created_at").values_list("ip", flat=True).first()


def test_track_stores_the_socket_peer(horn, world):
    track(horn, world.acme.pk)
    assert last_visit_ip() == "127.0.0.1"


def test_forwarded_for_from_a_peer_we_do_not_trust_is_ignored(horn, world):
    r = horn.post(
        "/api/user/track",
        json={"cid": world.acme.pk, "url": "https://shop.example/"},
        headers={"X-Forwarded-For": "203.0.113.7"},
    )
    assert r.status_code == 200
    assert last_visit_ip() == "127.0.0.1"


def test_forwarded_for_from_a_trusted_proxy_is_believed(horn, world, behind_proxy):
    r = horn.post(
        "/api/user/track",
        json={"cid": world.acme.pk, "url": "https://shop.example/"},
        # The client claimed 192.0.2.1 itself; our proxy appended the address it saw, 203.0.113.7,
        # and our inner proxy (10.0.0.2, trusted) appended the outer proxy's.
        headers={"X-Forwarded-For": "192.0.2.1, 203.0.113.7, 10.0.0.2"},
    )
    assert r.status_code == 200
    assert last_visit_ip() == "203.0.113.7"


TRUSTED = "127.0.0.1, 10.0.0.0/8, 2001:db8:ffff::/48"


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("203.0.113.7", "198.51.100.1", "203.0.113.7"),  # the peer is no proxy of ours
        ("127.0.0.1", None, "127.0.0.1"),  # a trusted proxy that forwarded nothing
        ("127.0.0.1", "198.51.100.1", "198.51.100.1"),
        ("127.0.0.1", "spoofed, 198.51.100.1", "198.51.100.1"),  # left of the first untrusted: the client's say
        ("127.0.0.1", "198.51.100.1, 10.1.2.3", "198.51.100.1"),  # proxies are skipped from the right
        ("127.0.0.1", "10.1.2.3, 10.4.5.6", "10.1.2.3"),  # proxies all the way: the left-most
        ("127.0.0.1", "198.51.100.1, not-an-ip", "127.0.0.1"),  # garbage: the last hop we can vouch for
        ("127.0.0.1", "198.51.100.1:51234", "198.51.100.1"),  # with a port
        ("127.0.0.1", "[2001:db8::5]:443", "2001:db8::5"),
        ("2001:db8:ffff::1", "2001:db8::5", "2001:db8::5"),  # an IPv6 proxy
        ("::ffff:127.0.0.1", "198.51.100.1", "198.51.100.1"),  # a dual-stack socket's IPv4-mapped peer
        ("::ffff:203.0.113.7", None, "203.0.113.7"),
        (None, "198.51.100.1", None),
    ],
)
def test_the_right_most_address_that_is_not_a_trusted_proxy_is_the_client(settings, peer, forwarded, client):
    settings.HORN_TRUSTED_PROXIES = TRUSTED
    assert resolve(peer, forwarded) == client


def test_with_no_trusted_proxies_the_header_never_counts(settings):
    settings.HORN_TRUSTED_PROXIES = ""
    assert resolve("127.0.0.1", "198.51.100.1") == "127.0.0.1"


def test_a_malformed_trusted_proxy_setting_fails_loudly(settings):
    from django.core.exceptions import ImproperlyConfigured

    from apps.core.clientip import trusted_proxies

    settings.HORN_TRUSTED_PROXIES = "10.0.0.0/8, proxy.example"
    with pytest.raises(ImproperlyConfigured):
        trusted_proxies()
