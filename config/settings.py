"""All settings, read from the environment in this one place (twelve-factor).

With nothing set, the platform runs on the embedded default: SQLite in WAL mode and a Celery
broker on the filesystem, both under DATA_DIR. Production sets DATABASE_URL (PostgreSQL),
CELERY_BROKER_URL (RabbitMQ) and CACHE_URL (Redis). A bad value stops the process at start
with a message that names it.
"""

import logging
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django_guid.integrations import CeleryIntegration

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()


def _strict_bool(name: str, default: bool) -> bool:
    """django-environ reads any unknown word as False; a typo must not silently turn DEBUG off."""
    raw = env.str(name, default="").strip().lower()
    if raw == "":
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use true or false.")


ENVIRONMENT = env.str("ENVIRONMENT", default="development")
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"ENVIRONMENT={ENVIRONMENT!r} is not known: use development or production."
    )
PRODUCTION = ENVIRONMENT == "production"

DEBUG = _strict_bool("DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG=true is refused when ENVIRONMENT=production.")

DATA_DIR = Path(env.str("DATA_DIR", default=str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY", default="")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set to a random string of 50 or more characters in production "
            "(python -c 'import secrets; print(secrets.token_urlsafe(64))')."
        )
else:
    # Development only: a fixed key keeps sessions valid across restarts of the demo.
    SECRET_KEY = env.str(
        "SECRET_KEY", default="dev-only-insecure-key-never-used-in-production-0123456789"
    )

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# How many proxies (load balancer, nginx) stand in front of the web server. 0: the client is
# REMOTE_ADDR and X-Forwarded-For is not read (anyone can write it). N: the client is the N-th
# address from the right of X-Forwarded-For (config.clients). Counted requests (API bad-key
# throttle, login lockout) go by this address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(f"TRUSTED_PROXY_COUNT={TRUSTED_PROXY_COUNT} is below 0.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_guid",
    "django_filters",
    "django_htmx",
    "outbox",
    "insurance",
    "claims",
    "fraud",
]

MIDDLEWARE = [
    "config.middleware.RequestIdHeaderMiddleware",
    "django_guid.middleware.guid_middleware",
    "config.middleware.RequestLogMiddleware",
    "config.middleware.ApiBodyLimitMiddleware",
    # Database down: 503 with Retry-After, not 500 (sessions and lockouts below it read it too).
    "config.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last: turns a locked-out login into the lockout page (config.login_lockout).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]


# --- Database -------------------------------------------------------------------------------
def embedded_database(data_dir: Path) -> dict:
    """The embedded default: SQLite under DATA_DIR (the browser tests open it the same way)."""
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": data_dir / "platform.sqlite3",
        # WAL lets the web server read while the worker writes; IMMEDIATE takes the write
        # lock at BEGIN so two writers queue on the timeout instead of failing mid-transaction.
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }


def _database_from_env() -> dict:
    url = env.str("DATABASE_URL", default="")
    if not url:
        return embedded_database(DATA_DIR)
    scheme = urlsplit(url).scheme
    if scheme not in {"postgres", "postgresql", "pgsql", "sqlite"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL has scheme {scheme or '(none)'!r}; expected "
            "postgres://USER:PASSWORD@HOST:PORT/NAME or sqlite:////absolute/path.sqlite3."
        )
    config = env.db_url_config(url)
    if scheme != "sqlite" and not config.get("NAME"):
        raise ImproperlyConfigured("DATABASE_URL names no database: postgres://HOST:PORT/NAME.")
    config["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    config["CONN_HEALTH_CHECKS"] = True
    if scheme != "sqlite":
        # Short transactional queries only: starting parallel workers costs more than they
        # save (a fraud index lookup takes 9 ms without them, 18 ms with them).
        options = config.setdefault("OPTIONS", {})
        options["options"] = "-c max_parallel_workers_per_gather=0"
    return config


DATABASES = {"default": _database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# --- Celery (broker) and cache ----------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
_broker_scheme = urlsplit(CELERY_BROKER_URL).scheme
_BROKER_KINDS = {
    "amqp": "rabbitmq",
    "amqps": "rabbitmq",
    "pyamqp": "rabbitmq",
    "redis": "redis",
    "rediss": "redis",
    "filesystem": "filesystem",
}
if _broker_scheme not in _BROKER_KINDS:
    raise ImproperlyConfigured(
        f"CELERY_BROKER_URL has scheme {_broker_scheme or '(none)'!r}; expected "
        "amqp://USER:PASSWORD@HOST:5672/VHOST (RabbitMQ), redis://HOST:PORT/DB, or leave it "
        "unset for the embedded filesystem broker."
    )
BROKER_KIND = _BROKER_KINDS[_broker_scheme]
EMBEDDED_BROKER = BROKER_KIND == "filesystem"
# A prefix on every broker key (Redis) or queue and exchange name (RabbitMQ) lets several
# deployments, or test runs, share one broker without taking each other's messages.
BROKER_PREFIX = env.str("CELERY_BROKER_KEY_PREFIX", default="")
# Seconds to wait for the broker to accept a connection. The web process sends tasks after
# commit in the request thread: a broker that does not answer must cost a request little
# (outbox.services also stops trying for a few seconds after a failure; the sweeper re-sends).
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECT_TIMEOUT", default=1.0)
if CELERY_BROKER_CONNECTION_TIMEOUT <= 0:
    raise ImproperlyConfigured("CELERY_BROKER_CONNECT_TIMEOUT must be above 0 seconds.")
# Deliveries of one task message RabbitMQ makes before it moves the message to the dead-letter
# queue instead (a worker killed while running it returns it to the queue: that is a delivery).
CELERY_DELIVERY_LIMIT = env.int("CELERY_DELIVERY_LIMIT", default=5)
if CELERY_DELIVERY_LIMIT < 1:
    raise ImproperlyConfigured(f"CELERY_DELIVERY_LIMIT={CELERY_DELIVERY_LIMIT} is below 1.")
# A connection kombu opens to send (a request's tasks after commit, beat's schedule) gives up at
# its first failure instead of retrying for seconds; the worker's consumer connection retries
# forever on its own terms (CELERY_BROKER_CONNECTION_MAX_RETRIES below).
_SEND_FAILS_AT_ONCE = {"max_retries": 0}
if EMBEDDED_BROKER:
    _broker_dir = DATA_DIR / "broker"
    (_broker_dir / "queue").mkdir(parents=True, exist_ok=True)
    (_broker_dir / "control").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
        "polling_interval": 0.2,
    }
elif BROKER_KIND == "redis":
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
        "global_keyprefix": BROKER_PREFIX,
        **_SEND_FAILS_AT_ONCE,
    }
else:
    # RabbitMQ, the production broker: one durable quorum queue (replicated on a cluster,
    # per-consumer prefetch only: Celery turns global QoS off when it sees one), publisher
    # confirms (a send returns once the broker has the message), and a delivery limit after
    # which the broker dead-letters a message that keeps coming back to the dead-letter queue
    # (config.celery declares it; the outbox row of its work goes to its own dead state).
    from kombu import Exchange, Queue

    CELERY_BROKER_TRANSPORT_OPTIONS = {"confirm_publish": True, **_SEND_FAILS_AT_ONCE}
    CELERY_WORKER_DETECT_QUORUM_QUEUES = True
    _queue = f"{BROKER_PREFIX}celery"
    DEAD_LETTER_QUEUE = f"{BROKER_PREFIX}celery.dead"
    # A topic exchange: Celery's native delayed delivery (a retry's countdown on quorum queues)
    # does not work with direct ones.
    CELERY_TASK_QUEUES = [
        Queue(
            _queue,
            Exchange(_queue, type="topic", durable=True),
            routing_key=_queue,
            durable=True,
            queue_arguments={
                "x-queue-type": "quorum",
                "x-delivery-limit": CELERY_DELIVERY_LIMIT,
                "x-dead-letter-exchange": DEAD_LETTER_QUEUE,
                "x-dead-letter-routing-key": DEAD_LETTER_QUEUE,
            },
        )
    ]
    CELERY_TASK_DEFAULT_QUEUE = _queue
    CELERY_TASK_DEFAULT_EXCHANGE = _queue
    CELERY_TASK_DEFAULT_EXCHANGE_TYPE = "topic"
    CELERY_TASK_DEFAULT_ROUTING_KEY = _queue
    CELERY_CONTROL_EXCHANGE = f"{BROKER_PREFIX}celery"
    CELERY_EVENT_EXCHANGE = f"{BROKER_PREFIX}celeryev"
    CELERY_BROKER_NATIVE_DELAYED_DELIVERY_QUEUE_TYPE = "quorum"

CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
# Results are not kept; only the benchmark's no-op round trip sets a backend to read one.
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 90
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker that loses the broker keeps trying to reconnect, however long the outage.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # Work whose lease ran out (a worker died, the broker was down) is sent again.
    "outbox-sweep": {"task": "outbox.sweep", "schedule": env.float("OUTBOX_SWEEP_SECONDS", 5.0)},
    "policies-expire": {"task": "insurance.policies_expire", "schedule": 60.0},
    "risk-profiles-refresh": {"task": "insurance.risk_profiles_refresh", "schedule": 300.0},
    "housekeeping": {"task": "insurance.housekeeping", "schedule": 3600.0},
}
# A task sent from the outbox is sent again if it has not completed this long after a worker
# started it (or, when no worker has, this long after it was sent: the broker may have lost it).
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=30)
# Runs a task may start without completing before its outbox row is given up (dead).
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=5)
for _name in ("OUTBOX_LEASE_SECONDS", "OUTBOX_MAX_ATTEMPTS"):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name}={globals()[_name]} must be 1 or more.")

# The cache (rate limits, API key versions) is Redis in production; it is not the broker.
CACHE_URL = env.str(
    "CACHE_URL",
    default=""
    if EMBEDDED_BROKER
    else CELERY_BROKER_URL
    if BROKER_KIND == "redis"
    else "redis://localhost:6379/0",
)
if CACHE_URL:
    CACHES = {"default": env.cache_url_config(CACHE_URL)}
    if CACHE_URL.startswith(("redis://", "rediss://")):
        # Redis down must cost a request a fraction of a second, not hang it.
        CACHES["default"].setdefault("OPTIONS", {}).update(
            {"socket_connect_timeout": 0.25, "socket_timeout": 0.5}
        )
else:
    # Rate limits must hold across the web processes, so the embedded cache is shared on disk.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }


# --- Auth, i18n, static and media -------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "config.login_lockout.LoginLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Web logins lock out after failures (django-axes, config.login_lockout): per username from one
# address, and per address whatever the usernames, for a cool-off period.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_LIMIT_PER_ADDRESS = env.int("LOGIN_FAILURE_LIMIT_PER_ADDRESS", default=30)
LOGIN_LOCKOUT_MINUTES = env.int("LOGIN_LOCKOUT_MINUTES", default=15)
for _name in ("LOGIN_FAILURE_LIMIT", "LOGIN_FAILURE_LIMIT_PER_ADDRESS", "LOGIN_LOCKOUT_MINUTES"):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name}={globals()[_name]} must be 1 or more.")
AXES_HANDLER = "config.login_lockout.LoginAttemptHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
# The cool-off runs from the failure that locked the door; tries while locked do not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True  # a good login forgets that username's typos from that address
AXES_LOCKOUT_CALLABLE = "config.login_lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "config.clients.client_ip"
# Failures are kept (and cleaned after the cool-off); successful logins are not logged by axes.
AXES_DISABLE_ACCESS_LOG = True

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# The web UIs speak English and Simplified Chinese, chosen by the browser or the switch.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_THOUSAND_SEPARATOR = True
# Our own date and number formats per language (config/formats): one date format each, and
# Chinese money grouped in thousands.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Outside production the static files are served straight from the apps, no collectstatic step.
WHITENOISE_USE_FINDERS = not PRODUCTION
STATIC_ROOT = DATA_DIR / "static"
if not PRODUCTION:
    STATIC_ROOT.mkdir(exist_ok=True)  # collectstatic fills it in production; empty here
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(DATA_DIR / "media")))
STORAGES = {
    # Photos go through the storage API: an S3-compatible store is a change of BACKEND here.
    "default": {
        "BACKEND": env.str("STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage")
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# API bodies larger than these are refused with 413 before anything reads them
# (config.middleware.ApiBodyLimitMiddleware): JSON bodies, and multipart uploads of claim photos.
API_MAX_JSON_BYTES = env.int("API_MAX_JSON_BYTES", default=1_048_576)
API_MAX_UPLOAD_BYTES = env.int("API_MAX_UPLOAD_BYTES", default=40 * 1_048_576)
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_JSON_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440


# --- REST API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["insurance.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["insurance.authentication.IsMerchantClient"],
    "DEFAULT_PARSER_CLASSES": ["config.parsers.BoundedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_THROTTLE_CLASSES": ["insurance.authentication.ApiKeyRateThrottle"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": None,
}
# Requests per minute for an API key that has no limit of its own (100 a second; a busy
# merchant's key gets its own limit: create_api_key --rate-limit, or the admin).
API_RATE_LIMIT_PER_MINUTE = env.int("API_RATE_LIMIT_PER_MINUTE", default=6_000)
if "API_RATE_LIMIT" in env.ENVIRON:
    # An earlier README named this variable; nothing read it. Say so instead of ignoring it.
    raise ImproperlyConfigured(
        "API_RATE_LIMIT is not read: set API_RATE_LIMIT_PER_MINUTE (requests per minute per "
        "API key, a number) instead."
    )
# Requests with a bad or malformed API key, per client address per minute; more get 429.
API_BAD_KEY_LIMIT_PER_MINUTE = env.int("API_BAD_KEY_LIMIT_PER_MINUTE", default=60)
POLICY_BATCH_MAX_ITEMS = env.int("POLICY_BATCH_MAX_ITEMS", default=100)
# Issue requests one web process takes on at once (insurance.api.fastpath); more are answered
# 503 service_unavailable with Retry-After at once rather than left to queue into timeouts.
ISSUANCE_MAX_IN_FLIGHT = env.int("ISSUANCE_MAX_IN_FLIGHT", default=32)
if ISSUANCE_MAX_IN_FLIGHT < 1:
    raise ImproperlyConfigured(f"ISSUANCE_MAX_IN_FLIGHT={ISSUANCE_MAX_IN_FLIGHT} is below 1.")
# ... and while the oldest issue request waiting for a group commit has waited this long: the
# in-flight cap bounds the queue, this its delay whatever the machine's speed.
ISSUANCE_MAX_QUEUE_SECONDS = env.float("ISSUANCE_MAX_QUEUE_SECONDS", default=0.05)
# Group-commit writer threads per web process (insurance.group_commit), each with its own
# database connection: while one waits for PostgreSQL, another prices and writes.
ISSUANCE_WRITER_THREADS = env.int("ISSUANCE_WRITER_THREADS", default=2)
if ISSUANCE_WRITER_THREADS < 1:
    raise ImproperlyConfigured(f"ISSUANCE_WRITER_THREADS={ISSUANCE_WRITER_THREADS} is below 1.")
# How long a process keeps product terms and webhook endpoints before reading them again.
PRODUCT_CACHE_SECONDS = env.float("PRODUCT_CACHE_SECONDS", default=5.0)
IDEMPOTENCY_RETENTION_HOURS = env.int("IDEMPOTENCY_RETENTION_HOURS", default=48)

# Claim evidence photos.
CLAIM_PHOTO_MAX_BYTES = env.int("CLAIM_PHOTO_MAX_BYTES", default=15 * 1_048_576)
CLAIM_PHOTO_MAX_PIXELS = env.int("CLAIM_PHOTO_MAX_PIXELS", default=40_000_000)
# A header may declare at most this many pixels per byte of the file (claims.photos): a tiny
# file claiming a huge image is refused before it is decoded.
CLAIM_PHOTO_MAX_PIXELS_PER_BYTE = env.int("CLAIM_PHOTO_MAX_PIXELS_PER_BYTE", default=5_000)
CLAIM_MAX_PHOTOS = env.int("CLAIM_MAX_PHOTOS", default=6)
# Fraud checks: how many index candidates a photo is verified against, at most.
FRAUD_MAX_CANDIDATES = env.int("FRAUD_MAX_CANDIDATES", default=8)
# A reviewer's approval can be undone for this long; the payout waits until then (0: no undo).
CLAIM_APPROVAL_UNDO_SECONDS = env.int("CLAIM_APPROVAL_UNDO_SECONDS", default=10)
# Pays approved claims: a class with pay(claim) -> reference (claims.payouts).
CLAIMS_PAYOUT_PROVIDER = env.str(
    "CLAIMS_PAYOUT_PROVIDER", default="claims.payouts.LedgerPayoutProvider"
)

# Webhooks: attempt n waits BASE x 2^(n-1) seconds (at most MAX) before attempt n+1.
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=12)
WEBHOOK_RETRY_BASE_SECONDS = env.float("WEBHOOK_RETRY_BASE_SECONDS", default=15.0)
WEBHOOK_RETRY_MAX_SECONDS = env.float("WEBHOOK_RETRY_MAX_SECONDS", default=3600.0)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=5.0)
WEBHOOK_REQUIRE_HTTPS = _strict_bool("WEBHOOK_REQUIRE_HTTPS", default=PRODUCTION)
# After a secret is rotated, the old one keeps signing too for this long (0: not at all).
WEBHOOK_SECRET_GRACE_HOURS = env.float("WEBHOOK_SECRET_GRACE_HOURS", default=24.0)
if WEBHOOK_SECRET_GRACE_HOURS < 0:
    raise ImproperlyConfigured("WEBHOOK_SECRET_GRACE_HOURS must be 0 or more.")
# Webhooks go to public addresses only (insurance.webhook_http), or workers could be turned
# against the platform's own network (SSRF). A developer whose test receiver listens on
# localhost turns this on for their machine; production refuses it.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = _strict_bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=False)
if PRODUCTION and WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
    raise ImproperlyConfigured(
        "WEBHOOK_ALLOW_PRIVATE_ADDRESSES=true is for a developer's machine; it is refused when "
        "ENVIRONMENT=production."
    )

SPECTACULAR_SETTINGS = {
    "TITLE": "Consumer insurance API",
    "DESCRIPTION": "Quote, issue and claim micro-policies at checkout.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "OAS_VERSION": "3.1.0",
    # Request bodies get components of their own, where a string that may not be blank says so
    # (minLength 1) and files are binary.
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "insurance.api.schema.complete_operations",
    ],
    # Each status field gets the name of its own state machine in the schema.
    "ENUM_NAME_OVERRIDES": {
        "PolicyStatusEnum": "insurance.models.PolicyStatus",
        "DeliveryStatusEnum": "insurance.models.DeliveryStatus",
        "ClaimStatusEnum": "claims.models.ClaimStatus",
    },
}


# --- Request ids and logs ---------------------------------------------------------------------
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    # Not only UUIDs: a client's own short token (1-64 of A-Z a-z 0-9 . _ -) is kept, anything
    # else is dropped before django-guid reads it (config.middleware.RequestIdHeaderMiddleware).
    "VALIDATE_GUID": False,
    "RETURN_HEADER": True,
    # Carries the request id of the web request into the Celery tasks it queues.
    "INTEGRATIONS": [CeleryIntegration(use_django_logging=True, log_parent=False)],
}
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if PRODUCTION else "text")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r}: use json or text.")
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "django_guid.log_filters.CorrelationId"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s",
            "rename_fields": {
                "asctime": "time",
                "levelname": "level",
                "correlation_id": "request_id",
            },
        },
        "text": {"format": "%(asctime)s %(levelname)s [%(correlation_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "celery": {"level": LOG_LEVEL},
        "django_guid": {"level": "WARNING"},
        # django-axes: lockouts and failed logins are warnings; its info lines are chatter.
        "axes": {"level": "WARNING"},
        # Every request already has its line (config.middleware.RequestLogMiddleware); Django's
        # own warning per 4xx would repeat it.
        "django.request": {"level": "ERROR"},
        # The filesystem broker has no host; kombu warns about that on every connection.
        "kombu.connection": {"level": "ERROR" if EMBEDDED_BROKER else "WARNING"},
    },
}


# Python warnings (a deprecation, Celery's "running as root") become log records, so that in
# production every line a process writes is one JSON object.
logging.captureWarnings(True)


# --- Production hardening (manage.py check --deploy is clean with these) ----------------------
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = _strict_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"
