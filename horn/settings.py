"""Horn settings: everything that varies comes from HORN_* environment variables.

With neither HORN_DATABASE_URL nor HORN_REDIS_URL set, Horn runs on the
embedded default: SQLite, the in-process channel layer and an in-process Redis
stand-in, in one process. Bad values fail loudly at start-up.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be >= {minimum}, got {value}")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


HORN_DATABASE_URL = env_str("HORN_DATABASE_URL")
HORN_REDIS_URL = env_str("HORN_REDIS_URL")
HORN_EMBEDDED = not HORN_DATABASE_URL and not HORN_REDIS_URL
if bool(HORN_DATABASE_URL) != bool(HORN_REDIS_URL):
    # Half a production setup would leave each process its own in-process
    # Redis stand-in: processes would silently stop seeing each other.
    raise ImproperlyConfigured("set both HORN_DATABASE_URL and HORN_REDIS_URL (production), or neither (embedded)")
DATA_DIR = Path(env_str("HORN_DATA_DIR", str(BASE_DIR / "var")))


def _secret_key() -> str:
    key = env_str("HORN_SECRET_KEY")
    if key:
        return key
    if not HORN_EMBEDDED:
        raise ImproperlyConfigured("HORN_SECRET_KEY must be set when HORN_DATABASE_URL or HORN_REDIS_URL is")
    # Embedded default: a key generated once and kept beside the SQLite file,
    # so visitor tokens and sessions survive restarts.
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("HORN_DEBUG", HORN_EMBEDDED)
ALLOWED_HOSTS = [h for h in env_str("HORN_ALLOWED_HOSTS", "*").split(",") if h]
# Horn's own public origin: the console is served from it; staff websockets come from it.
HORN_PUBLIC_URL = env_str("HORN_PUBLIC_URL", "http://localhost:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = [HORN_PUBLIC_URL]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "channels",
    "apps.core",
    "apps.accounts",
    "apps.visitors",
    "apps.chats",
    "apps.realtime",
    "apps.monitor",
    "apps.files",
    "apps.guard",
    "apps.console",
    "apps.integrations",
    "apps.grpcapi",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served by Horn (no third-party requests)
    "apps.reports",
    "apps.privacy",
]

# The console and admin go through the full stack. The hot API paths do not:
# see horn/asgi.py (they authenticate themselves in apps/accounts/auth.py).
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language of the pages: the staff member's choice (cookie), else the browser's Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "horn.urls"
ASGI_APPLICATION = "horn.asgi.application"
WSGI_APPLICATION = "horn.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.console.language.html_lang",
            ],
        },
    },
]


def _databases() -> dict:
    if HORN_DATABASE_URL:
        db = dj_database_url.parse(HORN_DATABASE_URL, conn_max_age=None, conn_health_checks=True)
        if db["ENGINE"] == "django.db.backends.mysql":
            db.setdefault("OPTIONS", {}).update(
                {
                    # utf8mb4 so emoji survive; strict mode so bad data is refused, not truncated.
                    "charset": "utf8mb4",
                    "init_command": "SET sql_mode='STRICT_TRANS_TABLES', innodb_lock_wait_timeout=10",
                }
            )
            db["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
        return {"default": db}
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "horn.sqlite3",
            "CONN_MAX_AGE": None,
            "OPTIONS": {
                # Writers take the lock at BEGIN and wait for it (timeout, seconds)
                # instead of failing with "database is locked" mid-transaction.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # A file, not :memory:, so server threads and the test share it.
            "TEST": {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")},
        }
    }


DATABASES = _databases()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if HORN_REDIS_URL:
    # The pub/sub layer: a group_send is one PUBLISH, received once by each
    # subscribed process. The default RedisChannelLayer keeps a Redis list per
    # channel and writes every group message into each member channel's list,
    # which is the right design for per-consumer channels and the wrong one for
    # Horn, where one hub channel per process fans out locally. What either
    # layer drops, push recovers from the DB (apps/realtime/hub.py).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [HORN_REDIS_URL], "prefix": "horn"},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 10_000}}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
# The console's languages (docs/console.md#languages). English is the default and the fallback;
# a choice made in the console header is kept in the django_language cookie for a year.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文"), ("sv", "Svenska")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"

REST_FRAMEWORK = {"UNAUTHENTICATED_USER": None, "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}

# --- The OpenAPI schema (horn/apischema.py): GET /api/schema/, Swagger UI at /api/docs/ ---
_SECURITY_SCHEMES = {
    "staffToken": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "A staff member's API token: `Authorization: Token <token>`",
    },
    "apiKey": {"type": "http", "scheme": "bearer", "description": "An API key (a bot or integration)"},
    "visitorToken": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Horn-Token",
        "description": "The visitor token from POST /api/user/track (with `uid` in the query or body)",
    },
    "apiKeyQuery": {"type": "apiKey", "in": "query", "name": "apiKey", "description": "An API key, seed 003 style"},
    "session": {"type": "apiKey", "in": "cookie", "name": "sessionid", "description": "The console's login"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Horn API",
    "DESCRIPTION": (
        "The HTTP API of Horn, a self-hosted live-chat platform. Every answer is JSON with `code` (0: ok) "
        "and `msg`; every error also has `field`. Push is on the /ws websocket and the /bot protocol "
        "(docs/push.md, docs/bots.md). Error codes: docs/api.md."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "APPEND_COMPONENTS": {"securitySchemes": _SECURITY_SCHEMES},
    "TAGS": [
        {"name": "visitor", "description": "The widget's side: track, ping"},
        {"name": "messages", "description": "Sending and reading messages: the message types of seed 004/003"},
        {"name": "push", "description": "Long-poll (websockets are /ws, see docs/push.md)"},
        {"name": "staff", "description": "Staff: who is online, status, canned responses, visitor details, bans"},
        {"name": "search", "description": "History search and transcripts"},
        {"name": "files", "description": "Uploads and downloads"},
        {"name": "admin", "description": "An organisation's admins: staff, API keys, webhooks"},
        {"name": "monitor", "description": "Health"},
    ],
    "ENUM_NAME_OVERRIDES": {"StaffRoleEnum": "apps.accounts.models.Staff.ROLES"},
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"horn": {"handlers": ["console"], "level": env_str("HORN_LOG_LEVEL", "INFO")}},
}

# --- Horn knobs -------------------------------------------------------------
HORN_DB_THREADS = env_int("HORN_DB_THREADS", 8, minimum=1)
HORN_REDIS_MAX_CONNECTIONS = env_int("HORN_REDIS_MAX_CONNECTIONS", 200, minimum=1)
HORN_REDIS_POOL_TIMEOUT = env_int("HORN_REDIS_POOL_TIMEOUT", 5, minimum=1)
HORN_HEARTBEAT_INTERVAL = env_int("HORN_HEARTBEAT_INTERVAL", 30, minimum=1)
# Seconds a staff member may be silent (no connection, no ping) before they count as gone; 0: two heartbeat
# intervals. An org may set its own (Organisation.presence_grace, docs/settings.md).
HORN_PRESENCE_GRACE = env_int("HORN_PRESENCE_GRACE", 0, minimum=0)
if HORN_PRESENCE_GRACE and HORN_PRESENCE_GRACE < 2 * HORN_HEARTBEAT_INTERVAL:
    raise ImproperlyConfigured("HORN_PRESENCE_GRACE must be 0 or at least two HORN_HEARTBEAT_INTERVALs")
HORN_MAX_TEXT = env_int("HORN_MAX_TEXT", 10_000, minimum=1)
# Canned responses per scope (an org's shared ones, or one person's): the console lists them all in its
# picker; a real team keeps dozens, a runaway script would keep adding.
HORN_CANNED_MAX = env_int("HORN_CANNED_MAX", 500, minimum=1)
HORN_DEMO_ORIGIN = env_str("HORN_DEMO_ORIGIN", HORN_PUBLIC_URL)
HORN_PUSH_ADDR = env_str("HORN_PUSH_ADDR")  # host:port clients should push-connect to; default: request host
HORN_SERVE_STATIC = env_bool("HORN_SERVE_STATIC", True)
HORN_PUSH_MAX_QUEUE = env_int("HORN_PUSH_MAX_QUEUE", 1000, minimum=10)  # frames a receiver may lag before it is cut
HORN_PULL_TIMEOUT = env_int("HORN_PULL_TIMEOUT", 30, minimum=1)  # seconds a long-poll is held
HORN_WS_MAX_FRAME = env_int("HORN_WS_MAX_FRAME", 64 * 1024, minimum=1024)  # bytes of one client frame
HORN_WS_RATE = env_int("HORN_WS_RATE", 20, minimum=1)  # client frames per second, sustained
HORN_WS_BURST = env_int("HORN_WS_BURST", 40, minimum=1)  # client frames allowed in a burst
HORN_INIT_HISTORY = env_int("HORN_INIT_HISTORY", 50, minimum=1)  # latest messages per chat in state/init
# A transcript download holds at most this many messages: a real chat has hundreds, a bot loop
# that wrote millions must not be read into memory in one request (docs/search.md).
HORN_TRANSCRIPT_MAX_MESSAGES = env_int("HORN_TRANSCRIPT_MAX_MESSAGES", 20_000, minimum=1)
HORN_REPLAY_LIMIT = env_int("HORN_REPLAY_LIMIT", 1000, minimum=1)  # missed events replayed before a client must re-init
# Seed 000's Support gRPC service inside each ASGI worker (horn.serve --grpc-port); 0: not served there.
HORN_GRPC_PORT = env_int("HORN_GRPC_PORT", 0)
HORN_GRPC_HOST = env_str("HORN_GRPC_HOST", "127.0.0.1")
HORN_PUSHER_TTL = env_int("HORN_PUSHER_TTL", 15, minimum=1)  # seconds a push node stays registered without a heartbeat

# --- E-mail (invites, password resets, offline messages) ---------------------
# With HORN_EMAIL_HOST set, mail goes out over SMTP; without it (the embedded default)
# it is printed to the server's console, so links can be copied from there.
# Bearer token for GET /metrics (Prometheus); empty: /metrics answers 404 (apps/reports/metrics.py).
HORN_METRICS_TOKEN = env_str("HORN_METRICS_TOKEN")
HORN_EMAIL_HOST = env_str("HORN_EMAIL_HOST")
if HORN_EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = HORN_EMAIL_HOST
    EMAIL_PORT = env_int("HORN_EMAIL_PORT", 25, minimum=1)
    EMAIL_HOST_USER = env_str("HORN_EMAIL_USER")
    EMAIL_HOST_PASSWORD = env_str("HORN_EMAIL_PASSWORD")
    EMAIL_USE_TLS = env_bool("HORN_EMAIL_TLS", False)
    EMAIL_TIMEOUT = 10
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("HORN_EMAIL_FROM", "Horn <horn@localhost>")

# --- Event stream for other systems (apps/integrations/stream.py, docs/events.md) ---
HORN_EVENT_STREAM = env_bool("HORN_EVENT_STREAM", True)
# Entries kept per org (approximate trimming: Redis keeps at least this many).
HORN_EVENT_STREAM_MAXLEN = env_int("HORN_EVENT_STREAM_MAXLEN", 100_000, minimum=100)
# How often the relay looks for new events (the lag to the stream is about this).
HORN_EVENT_STREAM_PERIOD_MS = env_int("HORN_EVENT_STREAM_PERIOD_MS", 100, minimum=10)
# The relay's lease: a process that died hands the relay to another after this.
HORN_EVENT_STREAM_LEASE_MS = env_int("HORN_EVENT_STREAM_LEASE_MS", 5000, minimum=500)

# --- Webhooks (apps/integrations/webhooks.py, delivery.py, docs/webhooks.md) ---
HORN_WEBHOOKS = env_bool("HORN_WEBHOOKS", True)  # 0: no deliveries are made or sent
# Receivers on loopback, private or reserved addresses are refused unless this is on (SSRF).
HORN_WEBHOOK_ALLOW_PRIVATE = env_bool("HORN_WEBHOOK_ALLOW_PRIVATE", False)
HORN_WEBHOOK_TIMEOUT_S = env_int("HORN_WEBHOOK_TIMEOUT_S", 30, minimum=1)  # no answer by then: a failed attempt
HORN_WEBHOOK_CONCURRENCY = env_int("HORN_WEBHOOK_CONCURRENCY", 50, minimum=1)  # requests in flight at once
HORN_WEBHOOK_RETRY_BASE_MS = env_int("HORN_WEBHOOK_RETRY_BASE_MS", 10_000, minimum=1)  # first retry after ~this
HORN_WEBHOOK_RETRY_WINDOW_S = env_int("HORN_WEBHOOK_RETRY_WINDOW_S", 25 * 3600, minimum=1)  # retried this long
HORN_WEBHOOK_DISABLE_AFTER_S = env_int("HORN_WEBHOOK_DISABLE_AFTER_S", 24 * 3600, minimum=1)  # failing this long: off


# --- Organisations and staff (docs/organisations.md) --------------------------
# Self-serve sign-up at /signup/ (a new org and its first admin); off: the operator creates orgs
# (`manage.py horn_org create`) and /signup/ is a 404.
HORN_SIGNUP = env_bool("HORN_SIGNUP", False)
# How long a set-password link works. An invitation waits for someone to read their mail over a
# weekend; a reset is asked for by the person at the screen, and a short life limits a leaked mail.
HORN_INVITE_HOURS = env_int("HORN_INVITE_HOURS", 72, minimum=1)
HORN_RESET_MINUTES = env_int("HORN_RESET_MINUTES", 60, minimum=1)

# --- Uploads (apps/files, docs/files.md) ------------------------------------
# Largest upload in bytes (an org's max_file_size can only lower it). 25 MB is what
# Intercom/Crisp-class widgets allow; a chat attachment past that belongs elsewhere.
HORN_MAX_FILE_SIZE = env_int("HORN_MAX_FILE_SIZE", 25 * 1024 * 1024, minimum=1)
# Decoded pixels an image may have (width x height). 40 MP is above any phone camera;
# a decompression bomb (a tiny file declaring a huge canvas) is far above it. Decoding
# holds ~4 bytes per pixel, so this also bounds the memory one decode takes.
HORN_MAX_IMAGE_PIXELS = env_int("HORN_MAX_IMAGE_PIXELS", 40_000_000, minimum=1)
# Bytes one visitor may upload per 24 hours (staff and bots are trusted). 200 MB is
# eight maximum-size files a day: no real visitor gets there, a script filling the disk does.
HORN_VISITOR_UPLOAD_BUDGET = env_int("HORN_VISITOR_UPLOAD_BUDGET", 200 * 1024 * 1024, minimum=0)
# Threads that decode and re-encode images. Each decode may hold up to
# HORN_MAX_IMAGE_PIXELS x 4 bytes, so this pool bounds the memory images take at once.
HORN_IMAGE_THREADS = env_int("HORN_IMAGE_THREADS", 2, minimum=1)
# Where uploaded bytes live: "local" (HORN_DATA_DIR/files) or "s3" (any S3-compatible store).
HORN_STORAGE = env_str("HORN_STORAGE", "local")
HORN_S3_BUCKET = env_str("HORN_S3_BUCKET")
HORN_S3_ENDPOINT_URL = env_str("HORN_S3_ENDPOINT_URL")  # empty: AWS itself; else MinIO, R2, Ceph...
HORN_S3_ACCESS_KEY = env_str("HORN_S3_ACCESS_KEY")  # empty: boto3's own chain (env, instance role)
HORN_S3_SECRET_KEY = env_str("HORN_S3_SECRET_KEY")
HORN_S3_REGION = env_str("HORN_S3_REGION")
HORN_S3_PREFIX = env_str("HORN_S3_PREFIX", "horn-files")  # key prefix inside the bucket


def _upload_storage() -> dict:
    """The `uploads` storage: Horn serves every byte itself (safe headers), so nothing is public."""
    if HORN_STORAGE == "local":
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {
                "location": str(DATA_DIR / "files"),
                "base_url": None,
                "file_permissions_mode": 0o640,
                "directory_permissions_mode": 0o750,
            },
        }
    if HORN_STORAGE == "s3":
        if not HORN_S3_BUCKET:
            raise ImproperlyConfigured("HORN_STORAGE=s3 needs HORN_S3_BUCKET")
        options = {
            "bucket_name": HORN_S3_BUCKET,
            "location": HORN_S3_PREFIX,
            "default_acl": "private",  # never world-readable: /files/ is the only way in
            "querystring_auth": True,
            "file_overwrite": False,
        }
        for option, value in (
            ("endpoint_url", HORN_S3_ENDPOINT_URL),
            ("access_key", HORN_S3_ACCESS_KEY),
            ("secret_key", HORN_S3_SECRET_KEY),
            ("region_name", HORN_S3_REGION),
        ):
            if value:
                options[option] = value
        return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
    raise ImproperlyConfigured(f"HORN_STORAGE must be 'local' or 's3', got {HORN_STORAGE!r}")


STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "uploads": _upload_storage(),
}
# --- Rate limits and bans (apps/guard; docs/limits-and-bans.md) -----------------
# Limits use the `limits` string syntax ("20/10second;300/hour"): every item must hold.
# Defaults: what a person typing, a widget polling or a busy bot never reaches,
# and what a script flooding the API reaches within a second or two.
HORN_RATE_LIMITS = env_bool("HORN_RATE_LIMITS", True)  # 0 turns every limit off (benchmarks)
# Where the counters live: default HORN_REDIS_URL (process memory when embedded); a separate
# Redis keeps a counter flood away from the push path.
HORN_RATE_REDIS_URL = env_str("HORN_RATE_REDIS_URL")
HORN_RATE_MESSAGE = env_str("HORN_RATE_MESSAGE", "20/10second;300/hour")  # messages per visitor
HORN_RATE_REQUEST_CHAT = env_str("HORN_RATE_REQUEST_CHAT", "10/minute")  # chats a visitor may open
HORN_RATE_TRACK = env_str("HORN_RATE_TRACK", "60/minute")  # page views per visitor
HORN_RATE_FILES = env_str("HORN_RATE_FILES", "10/minute;100/hour")  # uploads per visitor
HORN_RATE_IP = env_str("HORN_RATE_IP", "600/minute")  # visitor writes per client IP, all endpoints (NAT: generous)
HORN_RATE_STAFF = env_str("HORN_RATE_STAFF", "50/second")  # writes per staff member (token or session)
HORN_RATE_BOT = env_str("HORN_RATE_BOT", "50/second")  # writes per bot key
# Proxies whose X-Forwarded-For is believed (IPs or CIDRs, comma-separated); empty: never.
HORN_TRUSTED_PROXIES = env_str("HORN_TRUSTED_PROXIES")
# Seconds a process trusts its cached list of an org's bans; a ban or unban also
# drops every process's copy at once (apps/guard/banlist.py), so this only
# bounds the damage of a lost notice.
HORN_BAN_CACHE_TTL = env_int("HORN_BAN_CACHE_TTL", 10, minimum=1)

# --- Report roll-ups (apps/reports/rollups.py, docs/reports.md) -------------
# Seconds between folds of the days whose chats changed into the reports' roll-ups, in every server
# process; 0 turns the schedule off (`manage.py horn_rollups` still folds by hand). Reports are exact
# either way: a day not folded yet is read from its chats.
HORN_REPORT_FOLD_INTERVAL = env_int("HORN_REPORT_FOLD_INTERVAL", 60, minimum=0)

# --- Retention (apps/privacy, docs/privacy.md) ------------------------------
# Seconds between scheduled retention runs (one process of the cluster runs each, under a
# Redis lock); 0 turns the schedule off (`manage.py horn_retention` still runs by hand).
HORN_RETENTION_INTERVAL = env_int("HORN_RETENTION_INTERVAL", 3600, minimum=0)
# Rows per delete: each batch is one short transaction that locks only its own rows.
HORN_RETENTION_BATCH = env_int("HORN_RETENTION_BATCH", 200, minimum=1)
# Milliseconds of rest between batches at least; and a run rests HORN_RETENTION_REST times as long as
# each batch took (apps/privacy/retention.py), so a large run leaves the database to live chats.
HORN_RETENTION_PAUSE_MS = env_int("HORN_RETENTION_PAUSE_MS", 20, minimum=0)
HORN_RETENTION_REST = env_int("HORN_RETENTION_REST", 2, minimum=0)
