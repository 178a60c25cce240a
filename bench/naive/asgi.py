import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.naive.settings")

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402
from django.urls import path  # noqa: E402

django_app = get_asgi_application()

from bench.naive.consumers import ChatConsumer  # noqa: E402

application = ProtocolTypeRouter({"http": django_app, "websocket": URLRouter([path("ws", ChatConsumer.as_asgi())])})
