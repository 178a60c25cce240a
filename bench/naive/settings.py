"""The naive peer: the textbook Django Channels group chat (the Channels tutorial), nothing tuned.

Run with Channels' default server, daphne; the tutorial's layer, channels_redis.
"""

import os

SECRET_KEY = "naive-peer-bench-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["daphne", "channels"]
ROOT_URLCONF = "bench.naive.urls"
ASGI_APPLICATION = "bench.naive.asgi.application"
DATABASES = {}
USE_TZ = True
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [os.environ.get("NAIVE_REDIS_URL", "redis://127.0.0.1:6379/12")]},
    }
}
