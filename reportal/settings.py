"""Settings for reportal: every value comes from the environment (see README, "Configuration").

Defaults serve the embedded demo (SQLite, SQLite-backed Celery broker); production differs only by environment.
"""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from reportal.envvars import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
TESTING = "pytest" in sys.modules or env_bool("REPORTAL_TESTING", False)
DEBUG = env_bool("DEBUG", False)

# The embedded mode's database, broker, keys and static files. Nothing is created here at import: `reportal migrate`
# and `reportal demo` make the directory; other commands in a place without one say what to do (reportal/cli.py).
DATA_DIR = Path(env_str("REPORTAL_DATA_DIR", str(Path.cwd() / "var"))).resolve()
if TESTING:
    DATA_DIR.mkdir(parents=True, exist_ok=True)  # each test run names its own private directory


def _secret_key() -> str:
    key = env_str("SECRET_KEY", "")
    if key:
        return key
    # The demo keeps a generated key in its data directory so sessions survive restarts.
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    from django.core.management.utils import get_random_secret_key

    if not DATA_DIR.is_dir():
        return get_random_secret_key()  # no data directory yet: a key for this process only, nothing written
    key_file.write_text(get_random_secret_key())
    key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # First, so its `createsuperuser` (a hotline admin, like `reportal staff create --role admin`) replaces Django's.
    "reportal.accounts",
    "reportal.accounts.admin_config.ReportalAdminConfig",  # the Django admin behind the staff pages' access rule
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "ninja",  # its static files: the Swagger UI of /api/v1/docs, served from here (no CDN)
    "reportal",  # project-wide commands (demo), templates, static files and translations
    "reportal.portals",
    "reportal.reports",
    "reportal.audit",
    "reportal.hotline",
    "reportal.tracing",
    "reportal.actions",
    "reportal.lists",
    "reportal.hashes",
    "reportal.crawler",
    "reportal.iccam",
    "reportal.ncmec",
    "reportal.stats",
    "reportal.pipeline",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "reportal.security.SecurityHeadersMiddleware",
    "reportal.outages.OutageMiddleware",  # database down or disk full: a clear 503 in the page's language
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # One CSRF check for public pages, staff pages and the admin (reportal/security.py says how).
    "reportal.security.NullOriginMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "reportal.accounts.sessions.EndedSessionMiddleware",  # disabled accounts and ended sessions, on every surface
    "django.contrib.messages.middleware.MessageMiddleware",
    "axes.middleware.AxesMiddleware",
    "reportal.access.DeclaredAccessMiddleware",  # a /staff/ or /workbench/ view without an access rule answers 403
    "reportal.accounts.middleware.StaffLanguageMiddleware",  # staff pages in the browser's language
]

ROOT_URLCONF = "reportal.urls"
WSGI_APPLICATION = "reportal.wsgi.application"

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

# --- Database -------------------------------------------------------------------------------------
_database_url = env_str("DATABASE_URL", "")
if _database_url:
    try:
        DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
    except Exception as exc:  # dj_database_url raises several types for a bad URL
        raise ImproperlyConfigured(f"DATABASE_URL is not a database address that reportal understands: {exc}") from exc
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"].setdefault("TEST", {})["NAME"] = env_str("REPORTAL_TEST_DB_NAME", "test_reportal")
        # A database that does not answer must not hold requests: they answer 503 (reportal/outages.py) instead.
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
            "connect_timeout", env_int("REPORTAL_DB_CONNECT_TIMEOUT", 3)
        )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "reportal.sqlite3"),
            "OPTIONS": {
                # WAL lets readers run beside the one writer; IMMEDIATE avoids lock upgrades that fail under load.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits, matcher coordination) ------------------------------------------------------
_redis_url = env_str("REDIS_URL", "")
if _redis_url:
    # Short socket timeouts: a stopped or stalled Redis must not hold requests (rate limits then count in-process).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _redis_url,
            "OPTIONS": {
                "socket_connect_timeout": env_float("REDIS_CONNECT_TIMEOUT", 1.0),
                "socket_timeout": env_float("REDIS_SOCKET_TIMEOUT", 2.0),
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "reportal_cache",
        }
    }

# --- Background work ------------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", f"sqla+sqlite:///{DATA_DIR / 'celery-broker.sqlite3'}")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A report must be accepted even when the broker is down: publishing gives up quickly, and the outbox retries.
CELERY_BROKER_CONNECTION_TIMEOUT = env_float("CELERY_BROKER_CONNECTION_TIMEOUT", 2.0)
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A Redis that accepts connections but does not answer would otherwise hold a publishing request forever.
    # (3 s stays above the 1 s blocking pop of consuming workers; other transports reject these options.)
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        {
            "socket_timeout": env_float("CELERY_BROKER_SOCKET_TIMEOUT", 3.0),
            "socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
        }
    )
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "reports-flush-outbox": {"task": "reports.flush_outbox", "schedule": 60.0},
    # Hand-offs between stages (reportal/pipeline/registry.py): re-send what is undone and due.
    "pipeline-sweep": {"task": "pipeline.sweep", "schedule": env_float("REPORTAL_HANDOFF_SWEEP_SECONDS", 30.0)},
}
# A hand-off not done this long after its commit is sent again by the sweep (its first message may be lost).
REPORTAL_HANDOFF_GRACE_SECONDS = env_float("REPORTAL_HANDOFF_GRACE_SECONDS", 60.0)
# A running hand-off holds its row this long; after a killed worker, the sweep sends it again once it expires.
REPORTAL_HANDOFF_CLAIM_SECONDS = env_float("REPORTAL_HANDOFF_CLAIM_SECONDS", 120.0)
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")

# URL and keyword lists: a new version at these hours of the day (UTC, comma-separated), and on demand.
REPORTAL_LIST_PUBLISH_HOURS = env_list("REPORTAL_LIST_PUBLISH_HOURS", ["6", "18"])
if not REPORTAL_LIST_PUBLISH_HOURS or not all(h.isdigit() and int(h) < 24 for h in REPORTAL_LIST_PUBLISH_HOURS):
    raise ImproperlyConfigured("REPORTAL_LIST_PUBLISH_HOURS must be hours 0-23 separated by commas, for example 6,18.")
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE["lists-publish"] = {
    "task": "lists.publish",
    "schedule": crontab(minute=0, hour=",".join(REPORTAL_LIST_PUBLISH_HOURS)),
}
# Ed25519 key that signs list exports: PEM text or a path to a PEM file; empty: generated into DATA_DIR (demo).
REPORTAL_LIST_SIGNING_KEY = env_str("REPORTAL_LIST_SIGNING_KEY", "")

# --- Auth -----------------------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/staff/login/"
AXES_FAILURE_LIMIT = env_int("REPORTAL_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_float("REPORTAL_LOGIN_COOLOFF_HOURS", 1.0)
AXES_LOCKOUT_PARAMETERS = ["username"]  # never the IP address: reportal keeps no addresses
AXES_IPWARE_META_PRECEDENCE_ORDER: list[str] = []
# axes keeps no client address (it sees None) and no typed form data (reportal/accounts/axes_privacy.py).
AXES_CLIENT_IP_CALLABLE = "reportal.accounts.axes_privacy.no_client_address"
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are in the audit log already
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_RESET_ON_SUCCESS = True
# Lockout keys on the username only, by design: reportal never records client addresses.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
SESSION_COOKIE_AGE = env_int("REPORTAL_SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True  # the age above is then an idle timeout
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Production behind a proxy that terminates TLS (nginx, a load balancer) and sets X-Forwarded-Proto: trust that
# header, send only over HTTPS (plain HTTP is redirected), send HSTS, and mark every cookie Secure.
REPORTAL_BEHIND_TLS_PROXY = env_bool("REPORTAL_BEHIND_TLS_PROXY", False)
SESSION_COOKIE_SECURE = REPORTAL_BEHIND_TLS_PROXY or env_bool("REPORTAL_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if REPORTAL_BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = env_int("REPORTAL_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("REPORTAL_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("REPORTAL_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading binds the whole domain in browsers for months: the operator opts in, the check stays quiet.
        SILENCED_SYSTEM_CHECKS.append("security.W021")
# The CSRF cookie lasts until the browser closes: no long-lived trace of the portal on a reporter's device.
CSRF_COOKIE_AGE = None
OTP_TOTP_ISSUER = env_str("REPORTAL_TOTP_ISSUER", "reportal")

# --- Security headers -----------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
# same-origin, not no-referrer: no other site learns a page's address, and the browser still sends our own
# Origin with form posts (under no-referrer Chromium sends "Origin: null", which CSRF checks must refuse).
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Internationalisation -------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("es", _("Spanish")),
    ("fr", _("French")),
    ("pt", _("Portuguese")),
    ("ar", _("Arabic")),
]
LANGUAGES_BIDI = ["ar"]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

# --- Static files ---------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
if DATA_DIR.is_dir():
    STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise expects it, collected or not
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed names (cacheable for a year) and precompressed copies once collected (reportal/staticfiles.py).
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if TESTING or DEBUG
        else "reportal.staticfiles.HashedCompressedStaticFiles"
    },
}
WHITENOISE_USE_FINDERS = True

# --- E-mail ---------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "hotline@reportal.example")

# --- Logging: no client addresses anywhere --------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # The request loggers can print request objects; keep them to warnings without addresses.
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
        "axes": {"level": "WARNING"},  # its start-up banner on every command is noise
    },
}

# --- reportal -------------------------------------------------------------------------------------
# Rate limit for report submissions: "<count>/<s|m|h|d>" or "off" (load tests).
REPORTAL_RATE_LIMIT = env_str("REPORTAL_RATE_LIMIT", "20/h")
# Stricter limit when the proof-of-work challenge was not solved (JavaScript off) and for anonymous API callers.
REPORTAL_RATE_LIMIT_NO_JS = env_str("REPORTAL_RATE_LIMIT_NO_JS", "5/h")
REPORTAL_STATUS_RATE_LIMIT = env_str("REPORTAL_STATUS_RATE_LIMIT", "30/h")
# Reports through the API per member key with the `report` scope (abuse desks send in bulk).
REPORTAL_MEMBER_REPORT_RATE_LIMIT = env_str("REPORTAL_MEMBER_REPORT_RATE_LIMIT", "600/h")
# Behind a reverse proxy: the header it sets to the client's address (its last value is used, only as input to
# the rate limit's daily-salted HMAC). Empty: the connection's own address.
REPORTAL_CLIENT_ADDRESS_HEADER = env_str("REPORTAL_CLIENT_ADDRESS_HEADER", "")
# Where "Leave this site quickly" goes: a neutral page (a navigation, nothing loads from it on our pages).
REPORTAL_QUICK_EXIT_URL = env_str("REPORTAL_QUICK_EXIT_URL", "https://www.bbc.com/weather")
# Proof of work on the report form (altcha): the largest number the browser may have to try, and how long a
# challenge stays valid. 50,000 SHA-256 rounds take well under a second on a cheap phone.
REPORTAL_ALTCHA_MAX_NUMBER = env_int("REPORTAL_ALTCHA_MAX_NUMBER", 50_000)
REPORTAL_ALTCHA_EXPIRES_SECONDS = env_int("REPORTAL_ALTCHA_EXPIRES_SECONDS", 30 * 60)


def _networks(name: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    nets = []
    for item in env_list(name, []):
        try:
            nets.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ImproperlyConfigured(f"{name} must be a comma-separated list of networks, not {item!r}.") from None
    return nets


# Private/loopback ranges the guarded fetcher may reach (for example 127.0.0.0/8 for test sites).
REPORTAL_FETCH_ALLOW = _networks("REPORTAL_FETCH_ALLOW")
REPORTAL_FETCH_TIMEOUT = env_float("REPORTAL_FETCH_TIMEOUT", 10.0)
REPORTAL_FETCH_MAX_BYTES = env_int("REPORTAL_FETCH_MAX_BYTES", 20 * 1024 * 1024)
# Accept reports of loopback/private addresses (only for tests and load tests against loopback).
REPORTAL_ACCEPT_PRIVATE_URLS = env_bool("REPORTAL_ACCEPT_PRIVATE_URLS", False)
# Follow-up of new reports: at most one broker message per web process per this many seconds, run when the
# window closes and taking every report committed in it (0: one message per report).
REPORTAL_FOLLOWUP_COALESCE_SECONDS = env_float("REPORTAL_FOLLOWUP_COALESCE_SECONDS", 0.2)
# bench/load_reports.py only: serve a bare view at /__bench__/bare/ as the framework's ceiling. Never in production.
REPORTAL_BENCH_BARE_VIEW = env_bool("REPORTAL_BENCH_BARE_VIEW", False)
# Key that encrypts reporters' e-mail addresses at rest (Fernet; generated into DATA_DIR for the demo).
REPORTAL_ENCRYPTION_KEY = env_str("REPORTAL_ENCRYPTION_KEY", "")
REPORTAL_EVIDENCE_STORAGE = env_bool("REPORTAL_EVIDENCE_STORAGE", False)
REPORTAL_EVIDENCE_DAYS = env_int("REPORTAL_EVIDENCE_DAYS", 90)
# age public keys (age1...) that police referral packages are encrypted to: gt=age1... for one portal, age1... for all.
REPORTAL_POLICE_RECIPIENTS = env_list("REPORTAL_POLICE_RECIPIENTS", [])
# Media items of a reported page (images, linked media, <video> sources), fetched and hashed by the worker.
REPORTAL_MEDIA_MAX_ITEMS = env_int("REPORTAL_MEDIA_MAX_ITEMS", 40)
REPORTAL_MEDIA_MAX_IMAGE_BYTES = env_int("REPORTAL_MEDIA_MAX_IMAGE_BYTES", 8 * 1024 * 1024)
REPORTAL_MEDIA_MAX_VIDEO_BYTES = env_int("REPORTAL_MEDIA_MAX_VIDEO_BYTES", 64 * 1024 * 1024)
REPORTAL_MEDIA_MAX_PAGE_BYTES = env_int("REPORTAL_MEDIA_MAX_PAGE_BYTES", 256 * 1024 * 1024)
# Graded media enter the bank only with a PDQ quality at least this (HMA's default match quality).
REPORTAL_MEDIA_BANK_MIN_QUALITY = env_int("REPORTAL_MEDIA_BANK_MIN_QUALITY", 50)
REPORTAL_DNS_SERVERS = env_list("REPORTAL_DNS_SERVERS", [])
REPORTAL_RDAP_IP_URL = env_str("REPORTAL_RDAP_IP_URL", "https://rdap.org/ip/")
REPORTAL_RDAP_DOMAIN_URL = env_str("REPORTAL_RDAP_DOMAIN_URL", "https://rdap.org/domain/")
REPORTAL_GEOIP_COUNTRY_DB = env_str("REPORTAL_GEOIP_COUNTRY_DB", "")
REPORTAL_GEOIP_ASN_DB = env_str("REPORTAL_GEOIP_ASN_DB", "")
REPORTAL_HOTLINE_NAME = env_str("REPORTAL_HOTLINE_NAME", "reportal demo hotline")
# Workbench: how long an analyst's claim on an item lasts, the share of decisions sampled for a second opinion,
# and the wellbeing thresholds (continuous minutes before a break reminder, minutes per day before a warning).
REPORTAL_CLAIM_MINUTES = env_int("REPORTAL_CLAIM_MINUTES", 30)
REPORTAL_SECOND_OPINION_SHARE = env_float("REPORTAL_SECOND_OPINION_SHARE", 0.1)
REPORTAL_BREAK_MINUTES = env_int("REPORTAL_BREAK_MINUTES", 50)
REPORTAL_DAILY_LIMIT_MINUTES = env_int("REPORTAL_DAILY_LIMIT_MINUTES", 240)
# Reporter e-mails the broker or the mail server missed are sent again; expired evidence is deleted.
CELERY_BEAT_SCHEDULE["hotline-feedback-sweep"] = {"task": "hotline.feedback_sweep", "schedule": 300.0}
CELERY_BEAT_SCHEDULE["hotline-purge-evidence"] = {"task": "hotline.purge_expired_evidence", "schedule": 3600.0}
REPORTAL_BASE_URL = env_str("REPORTAL_BASE_URL", "http://127.0.0.1:8000")

# --- Hash banks and matching (reportal.hashes) ---------------------------------------------------------------
# The hotline's own bank, where the images of confirmed items are hashed into.
REPORTAL_OWN_BANK = env_str("REPORTAL_OWN_BANK", "HOTLINE_CONFIRMED")
# Default PDQ distance threshold of a new bank (0-31; each bank can change its own).
REPORTAL_PDQ_THRESHOLD = env_int("REPORTAL_PDQ_THRESHOLD", 31)
if not 0 <= REPORTAL_PDQ_THRESHOLD <= 31:
    raise ImproperlyConfigured("REPORTAL_PDQ_THRESHOLD must be a whole number from 0 to 31.")
# Images larger than these are refused before decoding (bytes of the file; pixels, against decompression bombs).
REPORTAL_HASH_MAX_BYTES = env_int("REPORTAL_HASH_MAX_BYTES", 50 * 1024 * 1024)
REPORTAL_HASH_MAX_PIXELS = env_int("REPORTAL_HASH_MAX_PIXELS", 100_000_000)
# Pixels decoded at full size (about 31 bytes each at the peak): a larger JPEG decodes reduced, another format is
# refused with 413; and how many decodes one process runs at once (the rest wait, then get 503).
REPORTAL_HASH_MAX_DECODED_PIXELS = env_int("REPORTAL_HASH_MAX_DECODED_PIXELS", 9_000_000)
REPORTAL_HASH_DECODE_CONCURRENCY = env_int("REPORTAL_HASH_DECODE_CONCURRENCY", 2)
# Videos (vPDQ, hashes/video.py): largest file, seconds hashed from the start, decoder threads per video (frames
# are capped by REPORTAL_HASH_MAX_DECODED_PIXELS too, and videos share the image decode slots).
REPORTAL_VIDEO_MAX_BYTES = env_int("REPORTAL_VIDEO_MAX_BYTES", 200 * 1024 * 1024)
REPORTAL_VIDEO_MAX_SECONDS = env_float("REPORTAL_VIDEO_MAX_SECONDS", 1800.0)
REPORTAL_VIDEO_DECODE_THREADS = env_int("REPORTAL_VIDEO_DECODE_THREADS", 1)
# Pixels decoded per video at most (30 minutes of 720p at 30 fps; a file cannot buy more work by its frame rate),
# and videos decoded at once per process (apart from the image decode slots; the rest wait 30 s, then get 503).
REPORTAL_VIDEO_MAX_DECODED_PIXELS = env_int("REPORTAL_VIDEO_MAX_DECODED_PIXELS", 1800 * 30 * 1280 * 720)
REPORTAL_VIDEO_DECODE_CONCURRENCY = env_int("REPORTAL_VIDEO_DECODE_CONCURRENCY", 1)
if REPORTAL_VIDEO_MAX_SECONDS <= 0 or REPORTAL_VIDEO_DECODE_THREADS < 0:
    raise ImproperlyConfigured(
        "REPORTAL_VIDEO_MAX_SECONDS must be above 0 and REPORTAL_VIDEO_DECODE_THREADS 0 (automatic) or more."
    )
# "fast" lets the JPEG decoder downscale before PDQ for look-ups (within a few bits); banking is always "exact".
REPORTAL_HASH_LOOKUP_MODE = env_str("REPORTAL_HASH_LOOKUP_MODE", "fast")
# Fast mode's smallest short side before PDQ: 512 is fastest; 800 keeps every hash within 8 bits on every
# corpus measured, at about a third of the speed (bench/README_hashing.md).
REPORTAL_HASH_FAST_SHORT_SIDE = env_int("REPORTAL_HASH_FAST_SHORT_SIDE", 512)
if REPORTAL_HASH_FAST_SHORT_SIDE < 64:
    raise ImproperlyConfigured("REPORTAL_HASH_FAST_SHORT_SIDE must be at least 64 (pixels).")
if REPORTAL_HASH_LOOKUP_MODE not in ("fast", "exact"):
    raise ImproperlyConfigured("REPORTAL_HASH_LOOKUP_MODE must be fast or exact.")
REPORTAL_HASH_INDEX_DIR = env_str("REPORTAL_HASH_INDEX_DIR", str(DATA_DIR / "hash-index"))
# Requests per member key to the matching and curation API: "<count>/<s|m|h|d>" or "off".
REPORTAL_HASH_RATE_LIMIT = env_str("REPORTAL_HASH_RATE_LIMIT", "6000/m")
# How often the matchers' side buffers are merged into a new persisted index (seconds).
REPORTAL_HASH_MERGE_SECONDS = env_float("REPORTAL_HASH_MERGE_SECONDS", 900.0)
CELERY_BEAT_SCHEDULE["hashes-merge-index"] = {"task": "hashes.merge_index", "schedule": REPORTAL_HASH_MERGE_SECONDS}
# Exchange credentials in python-threatexchange's own formats; empty means the exchange is not fetched.
REPORTAL_NCMEC_CREDENTIALS = env_str("REPORTAL_NCMEC_CREDENTIALS", "")  # "user,password"
REPORTAL_NCMEC_ENVIRONMENT = env_str("REPORTAL_NCMEC_ENVIRONMENT", "https://report.cybertip.org/hashsharing")
# NCMEC CyberTipline reporting (ISPWS): off until an environment and credentials are set.
REPORTAL_CYBERTIPLINE_ENVIRONMENT = env_str("REPORTAL_CYBERTIPLINE_ENVIRONMENT", "")  # "", "test" or "production"
if REPORTAL_CYBERTIPLINE_ENVIRONMENT not in ("", "test", "production"):
    raise ImproperlyConfigured("REPORTAL_CYBERTIPLINE_ENVIRONMENT must be empty (off), test or production.")
REPORTAL_CYBERTIPLINE_TEST_URL = env_str("REPORTAL_CYBERTIPLINE_TEST_URL", "https://exttest.cybertip.org/ispws")
REPORTAL_CYBERTIPLINE_PRODUCTION_URL = env_str(
    "REPORTAL_CYBERTIPLINE_PRODUCTION_URL", "https://report.cybertip.org/ispws"
)
REPORTAL_CYBERTIPLINE_USERNAME = env_str("REPORTAL_CYBERTIPLINE_USERNAME", "")
REPORTAL_CYBERTIPLINE_PASSWORD = env_str("REPORTAL_CYBERTIPLINE_PASSWORD", "")
REPORTAL_CYBERTIPLINE_TIMEOUT = env_float("REPORTAL_CYBERTIPLINE_TIMEOUT", 60.0)
REPORTAL_STOPNCII_KEYS = env_str("REPORTAL_STOPNCII_KEYS", "")  # "fetch_key,subscription_key[,base_url]"
REPORTAL_THREATEXCHANGE_TOKEN = env_str("REPORTAL_THREATEXCHANGE_TOKEN", "")  # "app_id|secret"
REPORTAL_THREATEXCHANGE_PRIVACY_GROUP = env_int("REPORTAL_THREATEXCHANGE_PRIVACY_GROUP", 0)
# How often the configured exchanges are fetched (each from its stored checkpoint; none configured: nothing runs).
REPORTAL_EXCHANGE_FETCH_SECONDS = env_float("REPORTAL_EXCHANGE_FETCH_SECONDS", 3600.0)
CELERY_BEAT_SCHEDULE["hashes-fetch-exchanges"] = {
    "task": "hashes.fetch_exchanges",
    "schedule": REPORTAL_EXCHANGE_FETCH_SECONDS,
}
# Staff API tokens (POST /api/v1/auth/token) last this many hours; members' keys expire as each was issued.
REPORTAL_STAFF_TOKEN_HOURS = env_int("REPORTAL_STAFF_TOKEN_HOURS", 12)

# --- Proactive search (reportal.crawler) -----------------------------------------------------------------------
# Start a crawl around every confirmed item (the rule); analysts can always start one from the item or crawl page.
REPORTAL_CRAWL_CONFIRMED = env_bool("REPORTAL_CRAWL_CONFIRMED", False)
# "host": the seed's host name only; "domain": its registrable domain (www.x.example and x.example alike).
REPORTAL_CRAWL_SCOPE = env_str("REPORTAL_CRAWL_SCOPE", "domain")
if REPORTAL_CRAWL_SCOPE not in ("host", "domain"):
    raise ImproperlyConfigured("REPORTAL_CRAWL_SCOPE must be host or domain.")
REPORTAL_CRAWL_MAX_DEPTH = env_int("REPORTAL_CRAWL_MAX_DEPTH", 3)
REPORTAL_CRAWL_MAX_PAGES = env_int("REPORTAL_CRAWL_MAX_PAGES", 10_000)
# Politeness: fetches at once per site (over all crawls and workers), and the pause of each between two pages.
REPORTAL_CRAWL_HOST_CONCURRENCY = env_int("REPORTAL_CRAWL_HOST_CONCURRENCY", 2)
REPORTAL_CRAWL_DELAY_SECONDS = env_float("REPORTAL_CRAWL_DELAY_SECONDS", 0.5)
REPORTAL_CRAWL_PAGE_MAX_BYTES = env_int("REPORTAL_CRAWL_PAGE_MAX_BYTES", 2 * 1024 * 1024)
REPORTAL_CRAWL_MEDIA_MAX_BYTES = env_int("REPORTAL_CRAWL_MEDIA_MAX_BYTES", 20 * 1024 * 1024)
REPORTAL_CRAWL_MEDIA_PER_PAGE = env_int("REPORTAL_CRAWL_MEDIA_PER_PAGE", 200)
# Links to other sites are recorded as leads; with this on they are crawled too (within depth and page limits).
REPORTAL_CRAWL_FOLLOW_OTHER_SITES = env_bool("REPORTAL_CRAWL_FOLLOW_OTHER_SITES", False)
# A page with known media becomes an item that waits for one analyst ("review") or goes straight to notice and
# list ("act", through the same hand-offs as a confirmation).
REPORTAL_CRAWL_KNOWN_MATERIAL = env_str("REPORTAL_CRAWL_KNOWN_MATERIAL", "review")
if REPORTAL_CRAWL_KNOWN_MATERIAL not in ("review", "act"):
    raise ImproperlyConfigured("REPORTAL_CRAWL_KNOWN_MATERIAL must be review or act.")
# A worker's claim on a page (and its lease of a host slot) lasts this long: a killed worker's pages come back then.
REPORTAL_CRAWL_CLAIM_SECONDS = env_float("REPORTAL_CRAWL_CLAIM_SECONDS", 120.0)
# One task works a crawl this long, then hands over to a fresh message (stop requests and other crawls get a turn).
REPORTAL_CRAWL_SLICE_SECONDS = env_float("REPORTAL_CRAWL_SLICE_SECONDS", 60.0)
# How often beat looks for running crawls that no worker touches (seconds).
REPORTAL_CRAWL_RESUME_SECONDS = env_float("REPORTAL_CRAWL_RESUME_SECONDS", 30.0)
CELERY_BEAT_SCHEDULE["crawler-resume"] = {"task": "crawler.resume_crawls", "schedule": REPORTAL_CRAWL_RESUME_SECONDS}

# --- Tracing, notices and monitoring (reportal.tracing, reportal.actions) --------------------------------------
REPORTAL_RDAP_CACHE_HOURS = env_float("REPORTAL_RDAP_CACHE_HOURS", 24.0)


def _hours_list(name: str, default: list[str]) -> list[float]:
    try:
        hours = [float(item) for item in env_list(name, default)]
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a comma-separated list of hours, such as 1,6,24.") from None
    if not hours or any(h <= 0 for h in hours):
        raise ImproperlyConfigured(f"{name} must list at least one positive number of hours.")
    return hours


# Monitoring re-checks a live address after each of these intervals in turn, then every THEN_HOURS.
REPORTAL_MONITOR_SCHEDULE_HOURS = _hours_list("REPORTAL_MONITOR_SCHEDULE_HOURS", ["1", "6", "24"])
REPORTAL_MONITOR_THEN_HOURS = env_float("REPORTAL_MONITOR_THEN_HOURS", 24.0)
# After removal an address is still checked (every THEN_HOURS) this many days, so content that comes back reopens.
REPORTAL_MONITOR_REAPPEAR_DAYS = env_int("REPORTAL_MONITOR_REAPPEAR_DAYS", 30)
# Still online this long after a notice: a second notice, then the partner hotline or the police.
REPORTAL_ESCALATE_AFTER_HOURS = env_float("REPORTAL_ESCALATE_AFTER_HOURS", 48.0)
# A notice that cannot be delivered is retried with growing pauses this many times, then marked failed for staff.
REPORTAL_NOTICE_MAX_ATTEMPTS = env_int("REPORTAL_NOTICE_MAX_ATTEMPTS", 10)
CELERY_BEAT_SCHEDULE["actions-send-due-notices"] = {"task": "actions.send_due_notices", "schedule": 60.0}
CELERY_BEAT_SCHEDULE["actions-monitor-due"] = {"task": "actions.monitor_due", "schedule": 300.0}

# --- Statistics (reportal.stats) -------------------------------------------------------------------------------
# The public transparency pages show any count below this as "fewer than N", so no figure points at one case.
REPORTAL_STATS_MIN_COUNT = env_int("REPORTAL_STATS_MIN_COUNT", 10)
if REPORTAL_STATS_MIN_COUNT < 1:
    raise ImproperlyConfigured("REPORTAL_STATS_MIN_COUNT must be 1 or more (10 is the default).")
# Brings the figures up to date with whatever changed lately, should an update's own message be lost.
CELERY_BEAT_SCHEDULE["stats-sweep-recent"] = {"task": "stats.sweep_recent", "schedule": 300.0}

# --- ICCAM exchange with INHOPE hotlines (reportal.iccam) -------------------------------------------------------
# Off until REPORTAL_ICCAM_URL is set (https://api.iccam.net/ in production; INHOPE's demo host for testing).
REPORTAL_ICCAM_URL = env_str("REPORTAL_ICCAM_URL", "")
REPORTAL_ICCAM_USERNAME = env_str("REPORTAL_ICCAM_USERNAME", "")
REPORTAL_ICCAM_PASSWORD = env_str("REPORTAL_ICCAM_PASSWORD", "")
# Mutual TLS: the client certificate INHOPE issued (PEM; with its key unless the key is a file of its own), and
# the CAs that sign ICCAM's server certificate (empty: the system's).
REPORTAL_ICCAM_CLIENT_CERT = env_str("REPORTAL_ICCAM_CLIENT_CERT", "")
REPORTAL_ICCAM_CLIENT_KEY = env_str("REPORTAL_ICCAM_CLIENT_KEY", "")
REPORTAL_ICCAM_CA_BUNDLE = env_str("REPORTAL_ICCAM_CA_BUNDLE", "")
REPORTAL_ICCAM_TIMEOUT = env_float("REPORTAL_ICCAM_TIMEOUT", 20.0)
# Our hotline's country on ICCAM (ISO 3166 alpha-2): content assigned to it is imported, other countries get exports.
REPORTAL_ICCAM_COUNTRY = env_str("REPORTAL_ICCAM_COUNTRY", "")
# The portal (slug) whose queue takes imported content; empty: the active portal of REPORTAL_ICCAM_COUNTRY.
REPORTAL_ICCAM_PORTAL = env_str("REPORTAL_ICCAM_PORTAL", "")
# The analyst name ICCAM shows on our reports, assessments and actions (empty: the account's user name).
REPORTAL_ICCAM_ANALYST = env_str("REPORTAL_ICCAM_ANALYST", "")
# Our hotline reference on ICCAM is "<prefix>-<item id>".
REPORTAL_ICCAM_REFERENCE_PREFIX = env_str("REPORTAL_ICCAM_REFERENCE_PREFIX", "reportal")
REPORTAL_ICCAM_POLL_SECONDS = env_float("REPORTAL_ICCAM_POLL_SECONDS", 900.0)
if REPORTAL_ICCAM_URL:
    if not (REPORTAL_ICCAM_USERNAME and REPORTAL_ICCAM_CLIENT_CERT and len(REPORTAL_ICCAM_COUNTRY) == 2):
        raise ImproperlyConfigured(
            "REPORTAL_ICCAM_URL is set: set REPORTAL_ICCAM_USERNAME, REPORTAL_ICCAM_PASSWORD, "
            "REPORTAL_ICCAM_CLIENT_CERT and REPORTAL_ICCAM_COUNTRY (a two-letter code) too."
        )
    CELERY_BEAT_SCHEDULE["iccam-import"] = {"task": "iccam.import_new", "schedule": REPORTAL_ICCAM_POLL_SECONDS}
    CELERY_BEAT_SCHEDULE["iccam-sync-actions"] = {"task": "iccam.sync_actions", "schedule": REPORTAL_ICCAM_POLL_SECONDS}
    CELERY_BEAT_SCHEDULE["iccam-lookups"] = {"task": "iccam.refresh_lookups", "schedule": 86400.0}
