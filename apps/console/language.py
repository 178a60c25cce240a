"""The page language for templates: `html_lang`, the <html lang> value of the active language.

Django names Simplified Chinese `zh-hans`; the page says `zh-CN`, the tag browsers, screen readers
and Intl know best, and the name of the console's JS catalogue (static/console/i18n/zh-CN.js).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import get_language

HTML_LANG = {"en": "en", "zh-hans": "zh-CN", "sv": "sv"}


def html_lang(request) -> dict:
    code = get_language() or settings.LANGUAGE_CODE
    return {"html_lang": HTML_LANG.get(code, code)}
