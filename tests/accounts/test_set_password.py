"""Set-password links (invitations and resets), "Forgot password?", and the link pages' refusals."""

from __future__ import annotations

from datetime import timedelta

import httpx
from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.accounts.models import SetPasswordLink
from tests.accounts.test_org_staff import LINK, invite, team_state
from tests.helpers import ok


def path_of(mail) -> str:
    """The link's path (links carry HORN_PUBLIC_URL; the tests' server listens elsewhere)."""
    return f"/set-password/{LINK.search(mail.get_content()).group(1)}/"


def post_form(client: httpx.Client, path: str, **fields) -> httpx.Response:
    """Post a form as a browser would, with the CSRF cookie (a refusal page sets none: the login page does)."""
    if "csrftoken" not in client.cookies:
        client.get("/login/")
    return client.post(path, data={"csrfmiddlewaretoken": client.cookies.get("csrftoken", ""), **fields})


def set_password(client, path, password="correct horse 42", again=None):
    return post_form(client, path, password=password, password_again=password if again is None else again)


def log_in(server: str, username: str, password: str) -> bool:
    with httpx.Client(base_url=server, timeout=20) as client:
        r = post_form(client, "/login/", username=username, password=password, next="/")
        return r.status_code == 302


def test_an_invited_agent_sets_a_password_once_and_logs_in(horn, server, world, smtp):
    ok(invite(horn, world.alice, name="Dana"))
    path = path_of(smtp.wait(1)[0])
    with httpx.Client(base_url=server, timeout=20) as client:
        page = client.get(path)
        assert page.status_code == 200 and "dana@acme.test" in page.text and "Welcome" in page.text
        assert page.headers["Referrer-Policy"] == "same-origin"
        assert not log_in(server, "dana@acme.test", "")
        done = set_password(client, path)
        assert done.status_code == 200 and "Password set" in done.text
        # The link is spent: the page says so, and a second password is not taken.
        again = client.get(path)
        assert again.status_code == 410 and "already been used" in again.text
        assert set_password(client, path, "another pass 43").status_code == 410
    assert log_in(server, "dana@acme.test", "correct horse 42")
    assert not log_in(server, "dana@acme.test", "another pass 43")
    rows = {r["email"]: r for r in ok(horn.get("/api/org/staff", headers=world.alice.auth))["data"]}
    assert rows["dana@acme.test"]["account"] == "active"


def test_forged_expired_and_deactivated_links_are_refused_and_change_nothing(horn, server, world, smtp):
    ok(invite(horn, world.alice))
    path = path_of(smtp.wait(1)[0])
    with httpx.Client(base_url=server, timeout=20) as client:
        before = team_state()
        for forged in (
            "/set-password/AAAA/",
            path.replace("/set-password/", "/set-password/x"),
            "/set-password/" + "a" * 200 + "/",
        ):
            page = client.get(forged)
            assert page.status_code == 400 and "not valid" in page.text
            assert set_password(client, forged).status_code == 400
        SetPasswordLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
        page = client.get(path)
        assert page.status_code == 410 and "expired" in page.text
        assert set_password(client, path).status_code == 410
        assert team_state() == before
        SetPasswordLink.objects.update(expires_at=timezone.now() + timedelta(hours=1))
        get_user_model().objects.filter(username="dana@acme.test").update(is_active=False)
        before = team_state()
        page = client.get(path)
        assert page.status_code == 400 and "deactivated" in page.text
        assert set_password(client, path).status_code == 400
        assert team_state() == before


def test_a_refused_password_leaves_the_link_usable(horn, server, world, smtp):
    ok(invite(horn, world.alice))
    path = path_of(smtp.wait(1)[0])
    with httpx.Client(base_url=server, timeout=20) as client:
        before = team_state()
        differ = set_password(client, path, "correct horse 42", "correct horse 43")
        assert differ.status_code == 400 and "The passwords differ" in differ.text
        short = set_password(client, path, "short")
        assert short.status_code == 400 and "too short" in short.text
        assert team_state() == before
        assert set_password(client, path).status_code == 200


def test_invitation_links_last_72_hours_by_default(horn, world, smtp):
    ok(invite(horn, world.alice))
    link = SetPasswordLink.objects.get()
    assert link.purpose == "invite"
    assert timedelta(hours=71, minutes=59) < link.expires_at - link.created_at <= timedelta(hours=72)


def test_forgot_password_mails_a_reset_link_and_says_the_same_for_unknown_addresses(server, world, smtp):
    get_user_model().objects.filter(username="bob").update(email="bob@acme.test")
    with httpx.Client(base_url=server, timeout=20) as client:
        login_page = client.get("/login/").text
        assert 'href="/password-reset/"' in login_page and "Forgot password?" in login_page
        known = post_form(client, "/password-reset/", email="BOB@acme.test")
        unknown = post_form(client, "/password-reset/", email="nobody@acme.test")
        bad = post_form(client, "/password-reset/", email="<script>")
        assert known.status_code == unknown.status_code == bad.status_code == 200
        assert known.text == unknown.text == bad.text and "If an account uses this address" in known.text
        [mail] = smtp.wait(1)
        assert mail["To"] == "bob@acme.test" and "Reset" in mail["Subject"]
        link = SetPasswordLink.objects.get()
        assert link.purpose == "reset" and link.expires_at - link.created_at <= timedelta(hours=1)
        # A second ask within a minute sends nothing more (no mailbox flooding).
        post_form(client, "/password-reset/", email="bob@acme.test")
        assert len(smtp.messages) == 1
        assert set_password(client, path_of(mail), "bobs new pass 1").status_code == 200
    assert log_in(server, "bob", "bobs new pass 1") and not log_in(server, "bob", world.bob.password)


def test_a_new_password_spends_every_open_link(horn, server, world, smtp):
    dana = ok(invite(horn, world.alice))["staff"]
    ok(horn.post(f"/api/org/staff/{dana['sid']}/invite", headers=world.alice.auth))
    first, second = (path_of(m) for m in smtp.wait(2))
    with httpx.Client(base_url=server, timeout=20) as client:
        assert set_password(client, second).status_code == 200
        assert client.get(first).status_code == 410
    assert not SetPasswordLink.objects.filter(used_at__isnull=True).exists()


def test_a_deactivated_account_gets_no_reset_mail(server, world, smtp):
    get_user_model().objects.filter(username="bob").update(email="bob@acme.test", is_active=False)
    with httpx.Client(base_url=server, timeout=20) as client:
        assert post_form(client, "/password-reset/", email="bob@acme.test").status_code == 200
    assert smtp.messages == [] and not SetPasswordLink.objects.exists()


def test_the_link_page_needs_csrf(horn, server, world, smtp):
    ok(invite(horn, world.alice))
    path = path_of(smtp.wait(1)[0])
    with httpx.Client(base_url=server, timeout=20) as client:
        r = client.post(path, data={"password": "correct horse 42", "password_again": "correct horse 42"})
        assert r.status_code == 403
    assert not get_user_model().objects.get(username="dana@acme.test").has_usable_password()
    assert not SetPasswordLink.objects.filter(used_at__isnull=False).exists()


def test_the_mails_speak_the_language_of_whoever_sent_them(horn, server, world, smtp):
    """A reset asked for in Swedish is mailed in Swedish; Alice, whose console is in Chinese, invites in
    Chinese (the best guess for a colleague); the link works the same."""
    get_user_model().objects.filter(username="bob").update(email="bob@acme.test")
    with httpx.Client(base_url=server, timeout=20, headers={"Accept-Language": "sv-SE,sv;q=0.9"}) as client:
        post_form(client, "/password-reset/", email="bob@acme.test")
    [reset] = smtp.wait(1)
    assert reset["Subject"] == "Återställ ditt Horn-lösenord"
    body = reset.get_content()
    assert "Välj ett nytt lösenord här (länken fungerar en gång, i 60 minuter):" in body and LINK.search(body)
    ok(
        horn.post(
            "/api/org/staff", json={"email": "dana@acme.test"}, headers={**world.alice.auth, "Accept-Language": "zh-CN"}
        )
    )
    invitation = smtp.wait(2)[1]
    assert invitation["Subject"] == "你在 Acme 的 Horn 账号"
    assert "Alice 邀请你以客服身份在 Horn 上为 Acme 接待会话。" in invitation.get_content()
    with httpx.Client(base_url=server, timeout=20) as client:
        assert set_password(client, path_of(invitation)).status_code == 200
