"""Error codes of the privacy API (70xx: organisation administration; 7040-7059 are privacy's)."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from apps.core.errors import HornError


class RetentionOutOfRange(HornError):
    code, status, default_msg = 7040, 400, gettext_noop("retention must be from 1 to 3650 days")
