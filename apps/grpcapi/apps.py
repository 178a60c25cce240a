from django.apps import AppConfig


class GrpcApiConfig(AppConfig):
    name = "apps.grpcapi"
    label = "grpcapi"
