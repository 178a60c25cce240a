"""The console in the staff member's language: Chinese from the browser's Accept-Language, Swedish once
chosen in the header (kept after a reload); a visitor's words are shown as they were written, in any language."""

import re

from playwright.sync_api import expect

from tests.helpers import ok, request_chat, text, track

# Markup, a placeholder and Chinese: none of it is translated, filled in or run.
VISITOR_SAYS = '<b>Hej</b> {name} <img src=x onerror="alert(1)"> 你好，我的订单到哪了？'


def test_chinese_from_the_browser_then_swedish_by_choice(browser, server, horn, world, screenshot):
    context = browser.new_context(base_url=server, locale="zh-CN", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda d: (errors.append(f"dialog: {d.message}"), d.dismiss()))
    visitor = track(horn, world.acme.pk, title="订单查询", browser="Chrome 131")
    chat_id = request_chat(horn, visitor)

    # The login page, in the language the browser asks for.
    page.goto("/login/?next=/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", name="Horn 员工登录")).to_be_visible()
    page.get_by_label("用户名").fill(world.alice.username)
    page.get_by_label("密码").fill("wrong")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_have_text("用户名或密码错误。")
    screenshot(page, "login-zh")
    page.get_by_label("用户名").fill(world.alice.username)
    page.get_by_label("密码").fill(world.alice.password)
    page.get_by_role("button", name="登录").click()

    # The console: the page (Django) and the modules (t()) both speak Chinese.
    expect(page.get_by_role("status", name="连接状态")).to_have_text("已连接")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page).to_have_title("(1) Horn 客服台")
    expect(page.get_by_text("已登录：Alice（Acme）")).to_be_visible()
    expect(page.get_by_role("button", name="常用语")).to_be_visible()
    expect(page.get_by_role("combobox", name="语言")).to_have_value("zh-hans")
    label = f"访客 {visitor.uid[:6]}"
    queue = page.get_by_role("list", name="等待中的会话")
    expect(queue).to_contain_text(re.compile(r"默认 · 已等待 \d+ (秒|分钟)"))
    expect(page.get_by_role("list", name="在线访客")).to_contain_text("订单查询")

    page.get_by_role("button", name=f"接入 {label} 的会话").click()
    log = page.get_by_role("log", name="会话")
    expect(log).to_contain_text("你 已加入")
    expect(queue).to_contain_text("没有人在等待。")
    ok(text(horn, visitor, chat_id, VISITOR_SAYS))
    expect(log.get_by_text(VISITOR_SAYS, exact=True)).to_be_visible()
    expect(log.locator("b, img")).to_have_count(0)
    composer = page.get_by_role("textbox", name="消息")
    expect(composer).to_have_attribute("placeholder", "输入回复（Enter 发送，Shift+Enter 换行）")
    composer.fill("您好！我帮您查一下。")
    composer.press("Enter")
    expect(log).to_contain_text("您好！我帮您查一下。")
    expect(page.get_by_role("region", name="访客详情")).to_contain_text("新访客")
    screenshot(page, "console-zh")

    # Svenska, chosen in the header: the page reloads in it, and stays in it.
    page.get_by_role("combobox", name="语言").select_option("sv")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.get_by_role("status", name="Anslutning")).to_have_text("Ansluten")
    expect(page.get_by_role("heading", name="Kö")).to_be_visible()
    page.get_by_role("list", name="Mina chattar").get_by_role("button").first.click()
    log = page.get_by_role("log", name="Konversation")
    expect(log).to_contain_text("Du anslöt")
    expect(log.get_by_text(VISITOR_SAYS, exact=True)).to_be_visible()
    actions = page.get_by_role("toolbar", name="Chattåtgärder")
    expect(actions.get_by_role("button", name="Avsluta chatten")).to_be_visible()
    expect(page.get_by_role("region", name="Om besökaren")).to_contain_text(re.compile(r"1 besök · 1 sidvisning"))
    screenshot(page, "console-sv")

    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.get_by_role("status", name="Anslutning")).to_have_text("Ansluten")
    expect(page.get_by_role("combobox", name="Språk")).to_have_value("sv")
    expect(page).to_have_title("Horn-konsolen")
    page.get_by_role("button", name="Genvägar (?)").click()
    expect(page.get_by_role("dialog", name="Kortkommandon")).to_contain_text("gå till kön")
    context.close()
    assert errors == []


def test_english_stays_the_default(page, world):
    """A browser asking for English (or a language Horn lacks) gets English, and the English catalogue is empty."""
    page.goto("/login/?next=/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Horn staff login")).to_be_visible()
    assert page.evaluate("navigator.language").startswith("en")
