"""The console's JS catalogues: every t("...") key in static/console/*.js and static/org/*.js is translated
in zh-CN.js and sv.js.

When this fails after a merge, it lists each missing key with the file and line that uses it;
`python -m tests.console.js_i18n` prints them as catalogue lines to translate and paste in.
"""

from __future__ import annotations

import pytest

from tests.console.js_i18n import CATALOGUES, Found, console_keys, extract, load_catalogue, placeholders

SAMPLE = r"""
// t("in a line comment") is not a key, nor /* t("in a block comment") */
import { t } from "./i18n.js";
const a = t("double");
const b = t('single \'quoted\'');
const c = t(
  "over two lines",
);
const d = `${n} ${t("inside a template")} and ${fn({ x: t("nested {x}", { x: 1 }) })}`;
const e = t("with vars {n}", { n: 3 });
const f = /t\("in a regex"\)/g.test(s) ? t("after a regex") : x / t("after a division");
const g = obj.t("a method, not ours") + other?.t("nor this");
const h = t("escapes: \u00e9 \x41 \u{1F600} \"q\"");
const bad1 = t(label);
const bad2 = t(`template ${x}`);
const bad3 = t("glued " + word);
function t2() { return "t(\"inside a string\")"; }
const i = tc("account", "Active") + tc("chat", "Active", { n: 1 });
const bad4 = tc("account");
const bad5 = tc(ctx, "Active");
"""


def test_the_extractor_reads_every_literal_form_and_flags_the_rest(tmp_path):
    path = tmp_path / "sample.js"
    path.write_text(SAMPLE, encoding="utf-8")
    found = extract(path, Found())
    assert sorted(found.keys) == sorted(
        [
            "double",
            "single 'quoted'",
            "over two lines",
            "inside a template",
            "nested {x}",
            "with vars {n}",
            "after a regex",
            "after a division",
            'escapes: é A 😀 "q"',
            "account|Active",
            "chat|Active",
        ]
    )
    assert found.keys["over two lines"] == [f"{tmp_path.name}/sample.js:6"]
    assert [bad.split(":")[1] for bad in found.bad_calls] == ["14", "15", "16", "19", "20"]


def test_every_console_string_is_a_literal_key():
    found = console_keys()
    assert found.bad_calls == [], "t() must get one string literal in quotes (static/console/i18n.js)"
    assert len(found.keys) > 150  # the console's words are really found, not an empty scan
    # ...and so are the organisation pages' (static/org/*.js)
    assert any(where.startswith("org/settings.js:") for where in found.keys["Saved."])


@pytest.mark.parametrize("lang", sorted(CATALOGUES))
def test_every_key_is_translated(lang):
    catalogue = load_catalogue(CATALOGUES[lang])
    found = console_keys()
    missing = {key: where for key, where in found.keys.items() if key not in catalogue}
    assert missing == {}, f"{len(missing)} console strings have no {lang} translation"
    empty = [key for key, text in catalogue.items() if not text.strip()]
    assert empty == []


@pytest.mark.parametrize("lang", sorted(CATALOGUES))
def test_translations_keep_their_placeholders(lang):
    catalogue = load_catalogue(CATALOGUES[lang])
    wrong = {key: text for key, text in catalogue.items() if placeholders(key) != placeholders(text)}
    assert wrong == {}


@pytest.mark.parametrize("lang", sorted(CATALOGUES))
def test_no_catalogue_keeps_a_string_the_console_no_longer_says(lang):
    stale = set(load_catalogue(CATALOGUES[lang])) - set(console_keys().keys)
    assert stale == set(), "changed or removed in static/console/*.js or static/org/*.js: update or drop these"
