from django.apps import AppConfig


class GuardConfig(AppConfig):
    name = "apps.guard"
    label = "guard"

    def ready(self) -> None:
        from apps.accounts.auth import add_visitor_gate
        from apps.core import clientip

        from . import banlist, ratelimit, staffkick

        # Bad HORN_RATE_* or HORN_TRUSTED_PROXIES values fail at start-up, not on the first request.
        ratelimit.validate_settings()
        clientip.trusted_proxies()
        # Every process's hub acts on ban notices (close sockets, drop cached bans).
        banlist.register()
        # ... and on a staff member deactivated: their sockets close (4401), their cached token goes.
        staffkick.register()
        # Every authenticated visitor call is refused while its visitor or address is banned
        # (track, which reads its token itself, checks too); answered from a per-process cache.
        add_visitor_gate(banlist.gate)
