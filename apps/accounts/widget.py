"""An organisation's widget settings: what the embedded chat looks like and asks for.

Stored as one JSON object on the organisation (`Organisation.widget`, edited in
the admin) so a new knob needs no migration; every key is validated here, and
`effective()` fills in the defaults, so the widget always gets a complete set.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

LANGUAGES = ("en", "zh", "sv")  # the seeds' languages; the widget carries their strings
POSITIONS = ("right", "left")
FIELD_MODES = ("off", "optional", "required")
PRE_CHAT_FIELDS = ("name", "email")
COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
GREETING_MAX = 300  # two or three sentences: a greeting, not a page

DEFAULTS: dict = {
    # A dark blue: white text on it passes WCAG AA (contrast 8.3:1).
    "colour": "#1f4e8c",
    "position": "right",
    "greeting": "",  # empty: the widget's own greeting in the visitor's language
    "language": "",  # empty: the visitor's browser language, if one of LANGUAGES, else English
    "pre_chat": {"name": "off", "email": "off"},
    "offline_form": True,  # when nobody is available: a leave-a-message form rather than a closed sign
    "sound": False,  # a short tone for a new message while the panel is closed
}


def validate_widget(value) -> None:
    """Admin-side validation: unknown keys and wrong types are refused with a sentence saying which."""
    if not isinstance(value, dict):
        raise ValidationError('widget settings are an object such as {"colour": "#1f4e8c", "position": "right"}')
    for key, item in value.items():
        if key not in DEFAULTS:
            raise ValidationError(f"unknown widget setting {key!r}: use {', '.join(DEFAULTS)}")
        if key == "colour" and not (isinstance(item, str) and COLOUR.fullmatch(item)):
            raise ValidationError("colour is a #rrggbb hex colour")
        if key == "position" and item not in POSITIONS:
            raise ValidationError(f"position is one of {', '.join(POSITIONS)}")
        if key == "language" and item not in ("", *LANGUAGES):
            raise ValidationError(f"language is empty (the browser's) or one of {', '.join(LANGUAGES)}")
        if key == "greeting" and not (isinstance(item, str) and len(item) <= GREETING_MAX):
            raise ValidationError(f"greeting is text of at most {GREETING_MAX} characters")
        if key in ("offline_form", "sound") and not isinstance(item, bool):
            raise ValidationError(f"{key} is true or false")
        if key == "pre_chat":
            _validate_pre_chat(item)


def _validate_pre_chat(item) -> None:
    if not isinstance(item, dict):
        raise ValidationError('pre_chat is an object such as {"name": "optional", "email": "required"}')
    for name, mode in item.items():
        if name not in PRE_CHAT_FIELDS:
            raise ValidationError(f"unknown pre-chat field {name!r}: use {', '.join(PRE_CHAT_FIELDS)}")
        if mode not in FIELD_MODES:
            raise ValidationError(f"pre_chat.{name} is one of {', '.join(FIELD_MODES)}")


def effective(stored) -> dict:
    """The stored settings over the defaults; anything invalid (a hand-edited row) falls back to its default."""
    stored = stored if isinstance(stored, dict) else {}
    out = {}
    for key, default in DEFAULTS.items():
        try:
            validate_widget({key: stored[key]})
            out[key] = stored[key]
        except (KeyError, ValidationError):
            out[key] = default
    out["pre_chat"] = {**DEFAULTS["pre_chat"], **out["pre_chat"]}
    return out
