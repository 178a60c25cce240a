"""Error codes of the privacy API (70xx: organisation administration; 7040-7059 are privacy's)."""

from __future__ import annotations

from apps.core.errors import HornError


class RetentionOutOfRange(HornError):
    code, status, default_msg = 7040, 400, "retention must be from 1 to 3650 days"
