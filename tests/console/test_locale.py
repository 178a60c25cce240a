"""The server-rendered pages' languages: .po files complete, the committed .mo files current, and the
language chosen from the staff member's choice (cookie) or else the browser's Accept-Language.

The .mo files are committed (docs/console.md#languages), so a clean clone runs in every language
without gettext installed; these tests fail when a .po changed and `make messages` was not run.
"""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parents[2]
LOCALES = {"zh_Hans": ROOT / "locale/zh_Hans/LC_MESSAGES", "sv": ROOT / "locale/sv/LC_MESSAGES"}
PO_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
# templatize() turns {% translate %} and {% blocktranslate %} into gettext(u'...') calls.
TEMPLATE_CALL = re.compile(r"\b(gettext|pgettext)\(((?:u'(?:[^'\\]|\\.)*'(?:, )?)+)\)")


def read_po(path: Path) -> dict:
    """msgid -> msgstr of a .po file's entries (header, obsolete and fuzzy entries left out, as msgfmt does);
    a plural entry gives (msgid, n) -> msgstr[n], as gettext's catalogue holds it."""
    entries, current, key, fuzzy = {}, {}, None, False

    def close():
        nonlocal current, fuzzy
        if "msgid" in current and current["msgid"] and not fuzzy:
            ctx = current.get("msgctxt")
            msgid = f"{ctx}\x04{current['msgid']}" if ctx is not None else current["msgid"]
            if "msgid_plural" in current:
                for k, v in current.items():
                    if k.startswith("msgstr["):
                        entries[(msgid, int(k[7:-1]))] = v
            else:
                entries[msgid] = current.get("msgstr", "")
        current, fuzzy = {}, False

    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            close()
        elif line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith("#"):
            continue
        else:
            head, _, rest = line.partition(" ") if not line.startswith('"') else ("", "", line)
            if head:
                key = head
                current[key] = ""
            current[key] += ast.literal_eval(PO_STRING.search(rest).group(0))
    close()
    return entries


def template_strings() -> set[str]:
    found = set()
    for path in (ROOT / "templates").rglob("*.html"):
        for kind, args in TEMPLATE_CALL.findall(templatize(path.read_text(encoding="utf-8"), origin=str(path))):
            parts = [ast.literal_eval(a) for a in re.findall(r"u'(?:[^'\\]|\\.)*'", args)]
            found.add(f"{parts[0]}\x04{parts[1]}" if kind == "pgettext" else parts[0])
    return found


@pytest.mark.parametrize("locale", sorted(LOCALES))
def test_every_template_string_is_translated(locale):
    po = read_po(LOCALES[locale] / "django.po")
    strings = template_strings()
    assert "Horn staff login" in strings  # the scan really reads the templates
    missing = sorted(s for s in strings if not po.get(s))
    assert missing == [], f"add to locale/{locale}/LC_MESSAGES/django.po (make messages), translate, run make messages"


@pytest.mark.parametrize("locale", sorted(LOCALES))
def test_the_committed_mo_file_is_the_po_file_compiled(locale):
    po = {k: v for k, v in read_po(LOCALES[locale] / "django.po").items() if v}
    with open(LOCALES[locale] / "django.mo", "rb") as f:
        mo = {k: v for k, v in gettext.GNUTranslations(f)._catalog.items() if k}  # "" is the header
    assert mo == po, "the .mo is out of date: run `make messages` and commit locale/"


def test_the_browser_language_picks_the_page_language(horn):
    pages = {
        "zh-CN,zh;q=0.9,en;q=0.5": ("zh-CN", "Horn 员工登录", "用户名"),
        "sv-SE,sv;q=0.9": ("sv", "Horn: inloggning för personal", "Användarnamn"),
        "en-US,en;q=0.9": ("en", "Horn staff login", "Username"),
        "de-DE,fr;q=0.8": ("en", "Horn staff login", "Username"),  # none of ours: English
    }
    for accept, (lang, heading, label) in pages.items():
        page = horn.get("/login/", headers={"Accept-Language": accept})
        assert page.status_code == 200
        assert f'<html lang="{lang}">' in page.text, accept
        assert heading in page.text and label in page.text, accept
        assert "Accept-Language" in page.headers["Vary"]


def test_a_chosen_language_is_kept_in_a_cookie_and_wins_over_the_browser(horn):
    login = horn.get("/login/", headers={"Accept-Language": "zh-CN"})
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
    chosen = horn.post(
        "/i18n/setlang/",
        data={"language": "sv", "next": "/login/", "csrfmiddlewaretoken": token},
        headers={"Referer": f"{horn.base_url}login/"},
    )
    assert chosen.status_code == 302 and chosen.headers["Location"] == "/login/"
    assert horn.cookies["django_language"] == "sv"
    page = horn.get("/login/", headers={"Accept-Language": "zh-CN"})
    assert '<html lang="sv">' in page.text and "Användarnamn" in page.text


def test_an_unknown_language_changes_nothing(horn):
    login = horn.get("/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
    refused = horn.post(
        "/i18n/setlang/",
        data={"language": "xx-evil", "next": "/login/", "csrfmiddlewaretoken": token},
        headers={"Referer": f"{horn.base_url}login/"},
    )
    assert refused.status_code == 302  # back to the page, as Django's set_language does
    assert "django_language" not in horn.cookies
    assert '<html lang="en">' in horn.get("/login/", headers={"Accept-Language": "en-US"}).text


def test_api_errors_stay_english_while_the_pages_show_them_translated(horn, world):
    """A message marked with gettext_noop is English in the API's body (the contract), whatever the caller's
    language, and translated where a page shows it (apps.core.errors.page_message)."""
    chinese = {"Accept-Language": "zh-CN"}
    api = horn.get("/api/privacy/export", headers={**world.alice.auth, **chinese})
    assert api.status_code == 400 and api.json()["msg"] == "give the visitor's uid or the customer id"
    refused = horn.get("/set-password/not-a-real-token/", headers=chinese)
    assert refused.status_code == 400 and "此链接无效：请检查是否完整复制了链接。" in refused.text
    english = horn.get("/set-password/not-a-real-token/", headers={"Accept-Language": "en"})
    assert "This link is not valid: check that you copied all of it." in english.text
