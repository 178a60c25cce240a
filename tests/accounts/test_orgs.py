"""New organisations: `manage.py horn_org` for the operator, and self-serve /signup/ behind HORN_SIGNUP."""

from __future__ import annotations

import json
from io import StringIO

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from apps.accounts.models import Organisation, Staff
from tests.accounts.test_org_staff import LINK, team_state
from tests.accounts.test_set_password import log_in, path_of, post_form, set_password


def horn_org(*args) -> str:
    out = StringIO()
    call_command("horn_org", *args, stdout=out)
    return out.getvalue()


def test_the_operator_creates_an_org_whose_admin_sets_a_password_and_runs_it(horn, server, smtp):
    out = horn_org("create", "--name", "Initech", "--admin-email", "Peter@Initech.test", "--admin-name", "Peter")
    assert "organisation Initech" in out and "peter@initech.test" in out
    [mail] = smtp.wait(1)
    assert mail["To"] == "peter@initech.test" and LINK.search(out).group(1) == LINK.search(mail.get_content()).group(1)
    peter = Staff.objects.select_related("org", "user").get(user__username="peter@initech.test")
    assert (peter.org.name, peter.role, peter.name) == ("Initech", "admin", "Peter")
    with httpx.Client(base_url=server, timeout=20) as client:
        assert set_password(client, path_of(mail)).status_code == 200
    assert log_in(server, "peter@initech.test", "correct horse 42")
    listed = json.loads(horn_org("list", "--json"))
    assert {"oid": peter.org_id, "name": "Initech", "admins": 1, "agents": 0} in listed
    assert "Initech  (1 admins, 0 agents)" in horn_org("list")


def test_horn_org_json_and_refusals(horn, world, smtp):
    created = json.loads(
        horn_org(
            "create",
            "--name",
            "Hooli",
            "--admin-email",
            "gavin@hooli.test",
            "--origin",
            "https://hooli.test/",
            "--json",
        )
    )
    assert created["name"] == "Hooli" and "/set-password/" in created["link"]
    assert f'data-horn-cid="{created["oid"]}"' in created["snippet"]
    assert Organisation.objects.get(pk=created["oid"]).allowed_origins == ["https://hooli.test"]
    before = (team_state(), Organisation.objects.count())
    for args, what in [
        (["--name", "acme", "--admin-email", "new@acme.test"], "name: an organisation with this name already exists"),
        (["--name", "Other", "--admin-email", "gavin@hooli.test"], "email: a staff account"),
        (["--name", "Other", "--admin-email", "nope"], "email: not a valid e-mail address"),
        (["--name", " ", "--admin-email", "x@y.test"], "name: an organisation name is 1 to 100 characters"),
        (["--name", "Other", "--admin-email", "x@y.test", "--origin", "https://y.test/shop"], "allowed_origins: "),
        (["--name", "Other", "--admin-email", "x@y.test", "--origin", "y.test"], "allowed_origins: "),
    ]:
        with pytest.raises(CommandError, match=what):
            horn_org("create", *args)
    assert (team_state(), Organisation.objects.count()) == before and len(smtp.messages) == 1


def test_signup_is_off_by_default(server, horn):
    with httpx.Client(base_url=server, timeout=20) as client:
        assert client.get("/signup/").status_code == 404
        assert post_form(client, "/signup/", org="Spam", email="spam@spam.test").status_code == 404
    assert not Organisation.objects.exists()


def test_signup_creates_an_org_and_mails_its_admin(server, horn, world, smtp, settings):
    settings.HORN_SIGNUP = True
    with httpx.Client(base_url=server, timeout=20) as client:
        assert "Organisation name" in client.get("/signup/").text
        done = post_form(client, "/signup/", org="Vandelay", name="Art", email="art@vandelay.test")
        assert done.status_code == 200 and "art@vandelay.test" in done.text
        before = (team_state(), Organisation.objects.count())
        taken = post_form(client, "/signup/", org="Acme", name="X", email="x@x.test")
        assert taken.status_code == 409 and "already exists" in taken.text and 'value="x@x.test"' in taken.text
        # An address with an account: the same page as a success, a mail to its owner, nothing created.
        get_user_model().objects.filter(username="bob").update(email="bob@acme.test")
        before = (team_state(), Organisation.objects.count())
        same = post_form(client, "/signup/", org="Bobco", name="Bob", email="bob@acme.test")
        assert same.status_code == 200 and same.text == done.text.replace("art@vandelay.test", "bob@acme.test")
        assert (team_state(), Organisation.objects.count()) == before
        bad = post_form(client, "/signup/", org="Fine", name="X", email="not an address")
        assert bad.status_code == 400 and "Not a valid e-mail address." in bad.text
        assert (team_state(), Organisation.objects.count()) == before
    mail, notice = smtp.wait(2)
    art = Staff.objects.select_related("org").get(user__email="art@vandelay.test")
    assert (art.org.name, art.role, art.name, mail["To"]) == ("Vandelay", "admin", "Art", "art@vandelay.test")
    assert notice["To"] == "bob@acme.test" and "already has a Horn account" in notice.get_content()
    assert not LINK.search(notice.get_content())


def test_the_operators_django_admin_shows_organisations_and_staff(horn, world):
    from django.test import Client

    operator = get_user_model().objects.create_superuser("op", "op@horn.test", "op-pw-123")
    client = Client()
    client.force_login(operator)
    staff = client.get("/admin/accounts/staff/")
    assert staff.status_code == 200 and "Queues" in staff.text and "Bob" in staff.text
    assert client.get(f"/admin/accounts/organisation/{world.acme.pk}/change/").status_code == 200
    page = client.get(f"/admin/accounts/staff/{world.bob.sid}/change/")
    assert page.status_code == 200 and 'name="queues"' in page.text


def test_the_operator_can_mail_a_new_invitation_from_the_django_admin(horn, world, smtp):
    from django.test import Client

    from tests.accounts.test_org_staff import invite
    from tests.helpers import ok

    dana = ok(invite(horn, world.alice))["staff"]
    operator = get_user_model().objects.create_superuser("op", "op@horn.test", "op-pw-123")
    client = Client()
    client.force_login(operator)
    page = client.post(
        "/admin/accounts/staff/",
        {"action": "send_invitation", "_selected_action": [dana["sid"], world.bob.sid]},
        follow=True,
    )
    assert "invitation sent to dana@acme.test" in page.text and "already set a password" in page.text
    assert [m["To"] for m in smtp.wait(2)] == ["dana@acme.test", "dana@acme.test"]
