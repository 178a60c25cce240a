"""The organisation and account pages in the staff member's language: an admin whose browser asks for
Svenska manages the organisation in Swedish (the page from Django, the figures and messages from
static/org/*.js); a browser asking for Chinese resets a password and opens the sign-up page in Chinese,
and the select under the form switches it to Swedish."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.accounts.test_set_password import path_of


def new_page(browser, server, locale: str, errors: list[str]):
    context = browser.new_context(base_url=server, locale=locale, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda d: (errors.append(f"dialog: {d.message}"), d.dismiss()))
    return page


def test_an_admin_in_swedish_manages_the_organisation_in_swedish(browser, server, world, screenshot):
    errors: list[str] = []
    page = new_page(browser, server, "sv-SE", errors)
    page.goto("/login/?next=/org/settings/")
    page.get_by_label("Användarnamn").fill(world.alice.username)
    page.get_by_label("Lösenord").fill(world.alice.password)
    page.get_by_role("button", name="Logga in").click()

    # The settings page: Django's headings and labels...
    expect(page).to_have_url(re.compile(r"/org/settings/$"))
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page).to_have_title("Inställningar · Acme · Horn")
    expect(page.get_by_role("heading", name="Inställningar", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Widgetens utseende")).to_be_visible()
    expect(page.get_by_role("heading", name="Öppettider")).to_be_visible()
    nav = page.get_by_role("navigation", name="Hantera organisationen")
    expect(nav.get_by_role("link", name="Personal")).to_be_visible()
    expect(page.get_by_role("textbox", name="Måndag")).to_be_visible()  # a day name from the view
    expect(page.get_by_role("banner").get_by_role("combobox", name="Språk")).to_have_value("sv")
    # ...and settings.js's: the server's default as a placeholder, then a save.
    grace = page.get_by_role("spinbutton", name="Sekunder en agent får vara onåbar innan hen räknas som borta")
    expect(grace).to_have_attribute("placeholder", re.compile(r"^\d+ \(serverns\)$"))
    page.get_by_role("button", name="Spara widgeten").click()
    expect(page.locator('form[data-section="widget"] .status')).to_have_text("Sparat.")
    screenshot(page, "org-settings-sv")

    # The staff page: its table is drawn by staff.js.
    nav.get_by_role("link", name="Personal").click()
    expect(page.get_by_role("heading", name="Bjud in en kollega")).to_be_visible()
    bob = page.get_by_role("row").filter(has_text="Bob")
    expect(bob.get_by_role("button", name="Inaktivera")).to_be_visible()
    expect(bob).to_contain_text("Aktiv")  # the account's state (a chat's "Active" is "Pågår")
    expect(bob.get_by_role("combobox", name="Roll: Bob")).to_have_value("agent")
    expect(bob.get_by_role("spinbutton", name="Kapacitet: Bob")).to_be_visible()
    screenshot(page, "org-staff-sv")

    # The privacy page: a refusal from the server, in Swedish on the page (the API's stays English).
    nav.get_by_role("link", name="Integritet").click()
    page.get_by_role("button", name="Radera").click()
    expect(page.get_by_role("alert")).to_have_text("ange besökarens id eller kund-id:t")
    expect(page.get_by_role("heading", name="Granskningslogg")).to_be_visible()
    page.context.close()
    assert errors == []


def test_a_password_reset_and_the_sign_up_page_in_chinese_then_swedish(
    browser, server, world, smtp, settings, screenshot
):
    settings.HORN_SIGNUP = True
    get_user_model().objects.filter(username="bob").update(email="bob@acme.test")
    errors: list[str] = []
    page = new_page(browser, server, "zh-CN", errors)

    page.goto("/login/")
    page.get_by_role("link", name="忘记密码？").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", name="忘记密码了？")).to_be_visible()
    page.get_by_label("电子邮件地址").fill("bob@acme.test")
    page.get_by_role("button", name="发送链接").click()
    expect(page.get_by_role("status")).to_contain_text("设置新密码的链接已在发送途中")
    [mail] = smtp.wait(1)
    link = path_of(mail)

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("设置新密码")
    expect(page).to_have_title("设置密码 · Horn")
    page.get_by_label("新密码").fill("bobs new secret")
    page.get_by_label("再次输入密码").fill("bobs other secret")
    page.get_by_role("button", name="设置密码").click()
    expect(page.get_by_role("alert")).to_have_text("两次输入的密码不一致。")
    screenshot(page, "set-password-zh")
    page.get_by_label("新密码").fill("bobs new secret")
    page.get_by_label("再次输入密码").fill("bobs new secret")
    page.get_by_role("button", name="设置密码").click()
    expect(page.get_by_role("status")).to_have_text("你的密码已设置。请用用户名 bob 登录。")
    page.goto(link)  # spent: the refusal's reason is translated too
    expect(page.get_by_role("heading", level=1)).to_have_text("此链接无法使用")
    expect(page.get_by_role("alert")).to_have_text("此链接已被使用过。")

    page.goto("/signup/")
    expect(page.get_by_role("heading", name="开始使用 Horn")).to_be_visible()
    expect(page.get_by_label("组织名称")).to_be_visible()
    expect(page.get_by_role("button", name="创建组织")).to_be_visible()
    screenshot(page, "signup-zh")

    # The select under the form: Svenska, and the page reloads in it.
    page.get_by_role("combobox", name="语言").select_option("sv")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.get_by_role("heading", name="Kom igång med Horn")).to_be_visible()
    page.get_by_label("Organisationens namn").fill("Acme")
    page.get_by_label("Din e-postadress").fill("someone@acme.test")
    page.get_by_role("button", name="Skapa organisationen").click()
    expect(page.get_by_role("alert")).to_have_text("Det finns redan en organisation med det namnet.")
    screenshot(page, "signup-sv")
    page.context.close()
    assert errors == []
