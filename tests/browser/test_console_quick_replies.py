"""Quick replies from the composer: Alice offers buttons, the visitor taps one in the widget, Alice sees the answer."""

from playwright.sync_api import expect


def test_alice_offers_two_quick_replies_and_sees_the_visitors_choice(page, demo, console, screenshot):
    # The visitor, on the demo shop in their own browser, asks a question.
    page.goto("/demo/")
    widget = page.locator("horn-chat")
    widget.get_by_role("button", name="Open chat").click()
    widget.get_by_role("textbox", name="Message").fill("I have a question about my order")
    widget.get_by_role("textbox", name="Message").press("Enter")

    alice = console(demo.alice)
    alice.get_by_role("list", name="Waiting chats").get_by_role("button", name="Accept chat from").click()
    log = alice.get_by_role("log", name="Conversation")
    expect(log).to_contain_text("I have a question about my order")

    # The quick-reply editor: two options to start with, up to ten.
    alice.get_by_role("textbox", name="Message").fill("Is it about billing or shipping?")
    toggle = alice.get_by_role("button", name="Quick replies")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(alice.get_by_role("textbox", name="Option 1")).to_be_focused()
    alice.get_by_role("textbox", name="Option 1").fill("Billing")
    alice.get_by_role("textbox", name="Option 2").fill("Billing")
    alice.get_by_role("textbox", name="Message").press("Enter")  # two alike: refused before sending
    editor = alice.get_by_role("group", name="Buttons the visitor can tap")
    expect(editor.get_by_role("alert")).to_have_text("Two buttons say “Billing”: make each one different.")
    expect(alice.get_by_role("textbox", name="Option 2")).to_be_focused()
    expect(alice.get_by_role("textbox", name="Message")).to_have_value("Is it about billing or shipping?")
    add = alice.get_by_role("button", name="Add option")
    for _ in range(8):
        add.click()
    expect(alice.get_by_role("list", name="Quick reply options").get_by_role("listitem")).to_have_count(10)
    expect(add).to_be_disabled()
    for n in range(10, 2, -1):
        alice.get_by_role("button", name=f"Remove option {n}").click()
    expect(add).to_be_enabled()
    alice.get_by_role("textbox", name="Option 2").fill("Shipping")
    expect(editor.get_by_role("alert")).to_be_hidden()  # the message goes once the labels change
    screenshot(alice, "console-quick-replies")
    alice.get_by_role("textbox", name="Message").press("Enter")

    offered = log.get_by_label("Quick replies offered")
    expect(offered).to_have_text("BillingShipping")
    expect(toggle).to_have_attribute("aria-expanded", "false")  # the editor closes with the message sent
    expect(alice.get_by_role("list", name="Quick reply options")).to_be_hidden()

    # The visitor taps one in the widget; Alice sees the answer, and which button it was.
    expect(widget.get_by_text("Is it about billing or shipping?")).to_be_visible()
    widget.get_by_role("button", name="Shipping").click()
    answer = log.locator("li.from-user", has_text="(a quick reply)")
    expect(answer).to_contain_text("Shipping")
    expect(offered.locator(".chip.chosen")).to_have_text("Shipping")
    expect(offered.locator(".chip.chosen")).to_have_attribute("title", "The visitor chose this")
    screenshot(alice, "console-quick-reply-answer")
