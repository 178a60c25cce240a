from django.apps import AppConfig


class ChatsConfig(AppConfig):
    name = "apps.chats"
    label = "chats"

    def ready(self) -> None:
        from apps.realtime import presence

        from .actions.away import staff_went_offline
        from .actions.routing import staff_came_online

        presence.staff_online_hooks.append(staff_came_online)
        presence.staff_offline_hooks.append(staff_went_offline)

        from django.db.models.signals import post_migrate

        from .searchindex import ensure_index

        post_migrate.connect(ensure_index, sender=self)
