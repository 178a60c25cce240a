"""Alice (admin) manages the org's API keys and webhooks on /org/integrations/.

The key is shown once and works until she revokes it; a webhook to a receiver on loopback gets a
visitor's message, and its delivery log shows it and sends it again on request.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.helpers import error, join, ok, request_chat, text, track
from tests.integrations.receiver import Receiver
from tests.integrations.test_webhooks import hooks_on  # noqa: F401 (fixture)


@pytest.mark.usefixtures("hooks_on")
def test_alice_makes_and_revokes_a_key_and_follows_a_webhooks_deliveries(
    horn, world, console, server, settings, screenshot
):
    receiver = Receiver().start()
    try:
        alice = console(world.alice)
        alice.goto(server + "/org/integrations/")
        expect(alice.get_by_role("heading", name="Integrations", level=1)).to_be_visible()

        # A key: shown once, then only its first characters.
        keys = alice.locator("#new-key")
        keys.get_by_label("Name").fill("CRM sync")
        keys.get_by_role("button", name="Make a key").click()
        shown = alice.locator("#key-shown code.secret")
        expect(shown).to_have_text(re.compile(r"^horn_[A-Za-z0-9_-]{40}$"))
        key = shown.inner_text()
        row = alice.locator("#keys tbody tr").filter(has_text="CRM sync")
        expect(row).to_contain_text(key[:12] + "…")
        expect(row).not_to_contain_text(key)
        ok(horn.get("/api/state/init", headers={"Authorization": f"Bearer {key}"}))

        # A webhook to the receiver, for the visitors' messages.
        hooks = alice.locator("#new-hook")
        hooks.get_by_label("URL").fill(receiver.url)
        hooks.get_by_label("Events").select_option(["personalChatSent"])
        hooks.get_by_label("Description").fill("CRM inbox")
        hooks.get_by_role("button", name="Add webhook").click()
        expect(alice.locator("#secret-shown code.secret")).to_have_text(re.compile(r"^whsec_"))
        hook_row = alice.locator("#hooks tbody tr").filter(has_text=receiver.url)
        expect(hook_row).to_contain_text("On")

        visitor = track(horn, world.acme.pk)
        chat_id = request_chat(horn, visitor)
        join(horn, world.alice, chat_id)
        ok(text(horn, visitor, chat_id, "Is my parcel <b>lost</b>?"))
        receiver.wait(1)
        hook_row.get_by_role("button", name="Deliveries").click()
        log = alice.locator("#deliveries tbody tr")
        expect(log).to_have_count(1)
        expect(log.first).to_contain_text("personalChatSent")
        expect(log.first).to_contain_text("Delivered")
        screenshot(alice, "org-integrations")
        log.first.get_by_role("button", name="Send again").click()
        receiver.wait(2)
        assert receiver.got[1].headers["X-Horn-Delivery"] == receiver.got[0].headers["X-Horn-Delivery"]

        # Revoked: the key stops working.
        row.get_by_role("button", name="Revoke").click()  # asks once more, on the page
        row.get_by_role("button", name="Revoke: it stops working at once").click()
        expect(row).to_contain_text("Revoked")
        error(horn.get("/api/state/init", headers={"Authorization": f"Bearer {key}"}), 401, 2002)

        # A private address is refused, with the reason on the page.
        settings.HORN_WEBHOOK_ALLOW_PRIVATE = False
        hooks.get_by_label("URL").fill("http://169.254.169.254/latest/meta-data/")
        hooks.get_by_label("Events").select_option(["*"])
        hooks.get_by_role("button", name="Add webhook").click()
        expect(alice.locator("#hooks-error")).to_contain_text("private or reserved address")
        expect(alice.locator("#hooks tbody tr")).to_have_count(1)
    finally:
        receiver.stop()


def test_an_agent_gets_the_admins_only_page(horn, world, console, server):
    bob = console(world.bob)
    response = bob.goto(server + "/org/integrations/")
    assert response.status == 403
    expect(bob.get_by_role("heading", name="Admins only")).to_be_visible()
