"""What visitors see on a phone, in Chinese and Swedish, and when nobody is there (the offline form)."""

from playwright.sync_api import expect

from apps.accounts import orgs
from apps.accounts.models import Organisation
from apps.chats import availability
from tests.browser.test_widget_chat import widget
from tests.helpers import ok


def test_on_a_phone_the_panel_fills_the_screen(browser, server, horn, demo, screenshot):
    ctx = browser.new_context(base_url=server, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = ctx.new_page()
    page.goto("/demo/")
    w = widget(page)
    w.get_by_role("button", name="Open chat").click()
    expect(w.get_by_role("textbox", name="Message")).to_be_visible()
    box = w.get_by_role("dialog").bounding_box()
    assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, 390, 844)
    screenshot(page, "widget-phone")
    # Keyboard-only: Escape closes the panel and gives focus back to the launcher.
    page.keyboard.press("Escape")
    expect(w.get_by_role("dialog")).to_be_hidden()
    expect(w.get_by_role("button", name="Open chat")).to_be_focused()
    ctx.close()


def test_a_chinese_browser_gets_chinese(browser, server, horn, demo, screenshot):
    ctx = browser.new_context(base_url=server, locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    page.goto("/demo/")
    w = widget(page)
    w.get_by_role("button", name="打开聊天").click()
    expect(w.get_by_text("您好！有什么可以帮您？")).to_be_visible()
    box = w.get_by_role("textbox", name="消息")
    box.fill("你好，可以寄到上海吗？")
    box.press("Enter")
    expect(w.locator(".msg.me:not(.pending)", has_text="你好，可以寄到上海吗？")).to_be_visible()
    expect(w.get_by_role("status")).to_have_text("您在队列中排第 1 位。")
    screenshot(page, "widget-chinese")
    ctx.close()


def test_the_orgs_language_wins_over_the_browsers_and_set_language_over_both(page, horn, demo, screenshot):
    Organisation.objects.filter(pk=demo.org.pk).update(widget={"language": "sv", "colour": "#006aa7"})
    orgs.forget_all()
    page.goto("/demo/")
    w = widget(page)
    w.get_by_role("button", name="Öppna chatten").click()
    expect(w.get_by_text("Hej! Hur kan vi hjälpa dig?")).to_be_visible()
    expect(w.get_by_role("textbox", name="Meddelande")).to_be_visible()
    screenshot(page, "widget-swedish")
    page.evaluate("Horn.setLanguage('en')")
    expect(w.get_by_role("textbox", name="Message")).to_be_visible()


def test_with_nobody_available_the_visitor_leaves_a_message_in_the_offline_form(page, horn, demo, screenshot):
    ok(horn.post("/api/staff/status", json={"status": "away"}, headers=demo.alice.auth))
    availability.forget()
    page.goto("/demo/")
    w = widget(page)
    w.get_by_role("button", name="Open chat").click()
    expect(w.get_by_role("heading", name="Leave us a message")).to_be_visible()
    w.get_by_label("Your name").fill("Maja")
    w.get_by_label("Your e-mail").fill("not-an-address")
    w.get_by_role("textbox", name="Message", exact=True).fill("Do you have the Fjord mug in green?")
    screenshot(page, "widget-offline-form")
    w.get_by_role("button", name="Send").click()
    expect(w.get_by_text("Please enter a valid e-mail.")).to_be_visible()
    # A redraw (any push or connection change does one) keeps what she typed, and the hint.
    page.evaluate("Horn.show()")
    expect(w.get_by_role("textbox", name="Message", exact=True)).to_have_value("Do you have the Fjord mug in green?")
    expect(w.get_by_text("Please enter a valid e-mail.")).to_be_visible()
    w.get_by_label("Your e-mail").fill("maja@example.com")
    w.get_by_role("button", name="Send").click()
    expect(w.locator(".msg.me:not(.pending)", has_text="Do you have the Fjord mug in green?")).to_be_visible()
    expect(w.get_by_role("status")).to_have_text("Thanks! We will reply here as soon as we can.")
    queue = ok(horn.get("/api/state/init", headers=demo.alice.auth))["state"]["queue"]
    assert len(queue) == 1 and queue[0]["offline"] is True
    visitors = ok(horn.get("/api/users/online", headers=demo.alice.auth))["data"]
    assert [v.get("customer", {}).get("email") for v in visitors] == ["maja@example.com"], visitors


def test_pre_chat_fields_are_asked_first_and_reach_staff(page, horn, demo):
    Organisation.objects.filter(pk=demo.org.pk).update(widget={"pre_chat": {"name": "required", "email": "optional"}})
    orgs.forget_all()
    page.goto("/demo/")
    w = widget(page)
    w.get_by_role("button", name="Open chat").click()
    expect(w.get_by_label("Your name")).to_be_focused()
    expect(w.get_by_role("textbox", name="Message")).to_be_hidden()
    w.get_by_role("button", name="Start chat").click()
    expect(w.get_by_text("Please enter your name.")).to_be_visible()
    w.get_by_label("Your name").fill("Erik")
    w.get_by_role("button", name="Start chat").click()
    box = w.get_by_role("textbox", name="Message")
    expect(box).to_be_focused()
    box.fill("Hej!")
    box.press("Enter")
    expect(w.locator(".msg.me:not(.pending)", has_text="Hej!")).to_be_visible()
    visitors = ok(horn.get("/api/users/online", headers=demo.alice.auth))["data"]
    assert [v["customer"]["name"] for v in visitors] == ["Erik"]
    assert visitors[0]["customer"]["verified"] is False


def test_keyboard_only_from_the_launcher_to_a_sent_message_and_back(page, horn, demo):
    page.goto("/demo/")
    w = widget(page)
    launcher = w.get_by_role("button", name="Open chat")
    launcher.focus()
    page.keyboard.press("Enter")
    box = w.get_by_role("textbox", name="Message")
    expect(box).to_be_focused()
    page.keyboard.type("Typed without a mouse")
    page.keyboard.press("Enter")
    expect(w.locator(".msg.me:not(.pending)", has_text="Typed without a mouse")).to_be_visible()
    page.keyboard.press("Tab")
    expect(w.get_by_role("button", name="Send")).to_be_focused()
    page.keyboard.press("Escape")
    expect(w.get_by_role("dialog")).to_be_hidden()
    expect(w.get_by_role("button", name="Open chat")).to_be_focused()
