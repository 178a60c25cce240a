from django.apps import AppConfig


class GuardConfig(AppConfig):
    name = "apps.guard"
    label = "guard"

    def ready(self) -> None:
        from . import banlist, clientip, ratelimit

        # Bad HORN_RATE_* or HORN_TRUSTED_PROXIES values fail at start-up, not on the first request.
        ratelimit.validate_settings()
        clientip.trusted_proxies()
        # Every process's hub acts on ban notices (close sockets, drop cached bans).
        banlist.register()
