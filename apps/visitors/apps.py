from django.apps import AppConfig


class VisitorsConfig(AppConfig):
    name = "apps.visitors"
    label = "visitors"
