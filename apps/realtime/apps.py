from django.apps import AppConfig

ORG_CHANGED = "horn.org_changed"


class RealtimeConfig(AppConfig):
    name = "apps.realtime"
    label = "realtime"

    def ready(self) -> None:
        from apps.accounts import orgs

        from .hub import hub
        from .publish import broadcast_soon

        # An admin changed an org's settings: every process drops its cached copy (apps.accounts.orgs).
        hub.on(ORG_CHANGED, lambda message: orgs.forget(message["org"]))
        orgs.change_hooks.append(lambda org_id: broadcast_soon({"type": ORG_CHANGED, "org": org_id}))
