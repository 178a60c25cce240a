from django.apps import AppConfig


class GuardConfig(AppConfig):
    name = "apps.guard"
    label = "guard"

    def ready(self) -> None:
        # Every process's hub acts on ban notices (close sockets, drop cached bans).
        from . import banlist

        banlist.register()
