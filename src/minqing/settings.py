"""Django settings. Everything a deployment changes comes from the environment:

MINQING_HOME          data folder (SQLite database, uploads, models); default ~/.minqing
MINQING_DATABASE_URL  postgresql://user:pass@host:port/db for production; SQLite when unset
MINQING_SECRET_KEY    secret key; generated once into MINQING_HOME when unset
MINQING_DEBUG         "1" for development
MINQING_ALLOWED_HOSTS comma-separated host names; default "*" (behind a reverse proxy)
MINQING_PRODUCTION    "1": HTTPS only, HSTS, and refuse to start without a strong MINQING_SECRET_KEY and
                      MINQING_ALLOWED_HOSTS; abuse limits, lockouts, CSP and the rest of the security
                      settings: the section at the end of this file and docs/security.md
MINQING_REPLY_MIN_SCORE  a reply scoring below this (0..1, default 0.3) needs a stated reason (docs/replies.md)
MINQING_SMS_BACKEND   the SMS gateway adapter class (workflow/notify.py); default: kept in the outbox table
MINQING_MAP_TILES     tile URL templates for the maps (天地图 or an intranet server; docs/map.md); default: none,
                      a plain background with the units' names
MINQING_MEDIA_ROOT    folder for attachments, reports and published models (default MINQING_HOME/media);
                      in a cluster one folder shared by every node (docs/deploy.md)
MINQING_STORAGE_URL   s3://bucket[/prefix]?endpoint_url=…: those files in S3-compatible storage instead
MINQING_CACHE_URL     redis://host:6379/0: the caches (abuse-limit counters) in Redis instead of the database
MINQING_TASK_LEASE    seconds a task may run before it is presumed orphaned and queued again (default 3600;
                      worker/recovery.py); MINQING_STOP_GRACE seconds children get to stop (default 30;
                      ops/supervise.py)
"""

import os
import re
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlparse

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
HOME = Path(os.environ.get("MINQING_HOME", Path.home() / ".minqing")).expanduser()
HOME.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    if os.environ.get("MINQING_SECRET_KEY"):
        return os.environ["MINQING_SECRET_KEY"]
    path = HOME / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def _database(url: str | None) -> dict:
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": HOME / "minqing.sqlite3",
            "CONN_MAX_AGE": 60,  # reopening the file around every worker task cost ¾ of its throughput
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA mmap_size=268435456;",
            },
        }
    u = urlparse(url)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(u.path.lstrip("/")),
        "USER": unquote(u.username or ""),
        "PASSWORD": unquote(u.password or ""),
        "HOST": u.hostname or "",
        "PORT": str(u.port or ""),
        "CONN_MAX_AGE": 60,
        # A kept connection is checked (SELECT 1) before a request reuses it: after PostgreSQL restarts, the
        # next request reconnects instead of failing once per web thread (tests/test_faults.py).
        "CONN_HEALTH_CHECKS": True,
        # No JIT: the row estimate of an OR of rare words is 20× too high, which pushed the duplicate
        # search's candidate query over jit_above_cost and spent ~9 ms compiling a 2 ms query (intake
        # latency, docs/benchmarks.md); minqing's queries are short and run often.
        "OPTIONS": {"options": "-c jit=off"},
        "TEST": {"NAME": "test_minqing"},
    }


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("MINQING_DEBUG") == "1"
ALLOWED_HOSTS = os.environ.get("MINQING_ALLOWED_HOSTS", "*").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("MINQING_CSRF_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # serves its own Swagger UI files: /api/docs works without internet
    "django_tasks",
    "django_tasks_db",
    "minqing.org",
    "minqing.ledger",
    "minqing.intake",
    "minqing.workflow",
    "minqing.field",
    "minqing.consult",
    "minqing.publicity",
    "minqing.insight",
    "minqing.open311",
    "minqing.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "minqing.web.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "minqing.web.middleware.CleanInputMiddleware",  # control and invisible characters out of every form field
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "minqing.urls"
WSGI_APPLICATION = "minqing.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "minqing.web.views.notices.unread",
                "minqing.web.views.public.public_root",
            ],
        },
    }
]

DATABASES = {"default": _database(os.environ.get("MINQING_DATABASE_URL"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("zh-hant", "繁體中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = HOME / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = []
WHITENOISE_USE_FINDERS = True
# Attachments, monthly reports and published models: one folder (or bucket) shared by every node of a
# cluster (docs/deploy.md). Every read and write goes through Django's storage API (ledger/files.py).
MEDIA_ROOT = Path(os.environ.get("MINQING_MEDIA_ROOT") or HOME / "media").expanduser()
MEDIA_URL = "/media/"  # never served as such: files leave through views that check scope


def _storages(url: str | None) -> dict:
    """MINQING_STORAGE_URL=s3://BUCKET[/PREFIX]?endpoint_url=https://…&region_name=… puts the files in
    S3-compatible object storage (django-storages; credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
    as boto3 reads them); unset: the folder MEDIA_ROOT."""
    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    if not url:
        return {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}, "staticfiles": static}
    from urllib.parse import parse_qsl

    u = urlparse(url)
    if u.scheme != "s3" or not u.hostname:
        raise ImproperlyConfigured(f"MINQING_STORAGE_URL must be s3://bucket[/prefix]?endpoint_url=…, not {url!r}")
    options = {"bucket_name": u.hostname, "location": u.path.strip("/"), "file_overwrite": False,
               "default_acl": None, "querystring_auth": True, **dict(parse_qsl(u.query))}
    return {"default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}, "staticfiles": static}


STORAGES = _storages(os.environ.get("MINQING_STORAGE_URL"))

# Limits at the edge (bad input gets a clear error, never a 500).
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The SMS gateway adapter (workflow/notify.py): a class with send(number, text[, key]); the default keeps
# the message in the outbox table for a provincial gateway to pick up.
MINQING_SMS_BACKEND = os.environ.get("MINQING_SMS_BACKEND", "minqing.workflow.notify.OutboxSms")
# Reply quality (docs/replies.md): a reply (答复) scoring below this (0..1) is sent only with a stated reason,
# and counts as not passing in the reply-quality figures; 0 turns the check off.
MINQING_REPLY_MIN_SCORE = float(os.environ.get("MINQING_REPLY_MIN_SCORE", "0.3"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"minqing": {"level": "INFO"}},
}


# ---- Security (docs/security.md): abuse limits, lockouts, production mode, Content-Security-Policy ----
INSTALLED_APPS += ["axes", "csp"]
MIDDLEWARE += ["csp.middleware.CSPMiddleware", "axes.middleware.AxesMiddleware"]  # axes must stay last
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]


def _caches(url: str | None) -> dict:
    """`limits` holds the abuse-limit counters and must be shared by every web worker on every host:
    the database (table minqing_cache, made by `minqing up|serve` or `minqing manage createcachetable`)
    unless MINQING_CACHE_URL names a Redis (redis://host:6379/0), which then serves both caches."""
    if url:
        if urlparse(url).scheme not in ("redis", "rediss", "unix"):
            raise ImproperlyConfigured(f"MINQING_CACHE_URL must be redis://, rediss:// or unix://, not {url!r}")
        redis = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
        return {"default": {**redis, "KEY_PREFIX": "minqing"}, "limits": {**redis, "KEY_PREFIX": "minqing-limits"}}
    return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
            # a counter lives as long as the longest period (a day); incr() on this backend resets the expiry
            "limits": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "minqing_cache",
                       "TIMEOUT": 2 * 86400, "OPTIONS": {"MAX_ENTRIES": 200_000}}}


CACHES = _caches(os.environ.get("MINQING_CACHE_URL"))

# Abuse limits: requests per client at each anonymous door, "count/period" (s, m, h, d); "0" = no limit.
# MINQING_RATE_<DOOR> overrides one door, MINQING_RATE_LIMITS=0 switches them all off (minqing/limits.py).
RATE_LIMITS = {door: os.environ.get(f"MINQING_RATE_{door.upper()}", rate) for door, rate in {
    "submit": "20/h",     # a citizen's voice: POST /submit/, POST /api/voices without a token
    "statement": "30/h",  # a citizen's statement in a consultation (web and API)
    "vote": "600/h",      # a citizen's votes in a consultation (web and API; a few statements a request)
    "track": "120/h",     # tracking-code lookups: GET /track/<code>/, GET /api/track/{code}
    "rate": "20/h",       # ratings: POST /track/<code>/, POST /api/track/{code}/rating
    "login": "100/h",     # POST /login/ and POST /api/token together (wrong passwords also lock: axes)
    "public": "600/h",    # public board and feed, public notices, consultation results and groups
    "export": "30/h",     # a consultation's results as PDF or Excel (anonymous)
    "open311": "600/h",      # Open311 GeoReport v2 reads (/open311/v2/…: services, requests, tokens), per client
    "open311_post": "600/h",  # Open311 POST requests.json|xml, per client (with or without a valid api_key)
    "open311_key": "1000/h",  # Open311 POST requests per API key (a key may carry its own rate: open311 admin)
}.items()}
if _bad := [f"MINQING_RATE_{d.upper()}={r}" for d, r in RATE_LIMITS.items() if not re.fullmatch(r"0|\d+/\d*[smhd]", r)]:
    raise ImproperlyConfigured(f"{', '.join(_bad)}: a limit is count/period (20/h, 5/m, 100/d) or 0")
RATELIMIT_ENABLE = os.environ.get("MINQING_RATE_LIMITS", "1") != "0"
RATELIMIT_USE_CACHE = "limits"  # django_ratelimit is used as a library, not an installed app: it has no
# models, and its system check knows only memcached and django-redis, not Django's own Redis and database caches
RATELIMIT_IP_META_KEY = "minqing.limits.client_ip"
RATELIMIT_FAIL_OPEN = True  # a counter that cannot be read lets the request through (logged)
# How many reverse proxies stand in front (0: clients connect directly). With N ≥ 1 the client is the N-th
# X-Forwarded-For entry from the right, and X-Forwarded-Proto: https from the proxy counts as HTTPS.
TRUSTED_PROXIES = int(os.environ.get("MINQING_TRUSTED_PROXIES", "0"))
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Lockout (django-axes): after MINQING_LOCKOUT_FAILURES wrong passwords for one username the account is
# locked for MINQING_LOCKOUT_MINUTES (web login, admin login, POST /api/token); `minqing manage
# axes_reset_username NAME` unlocks at once. By username, not by address: a township's clerks share one
# address, and guessing across usernames from one address is what the "login" rate limit stops.
AXES_ENABLED = os.environ.get("MINQING_LOCKOUT", "1") != "0"
AXES_FAILURE_LIMIT = int(os.environ.get("MINQING_LOCKOUT_FAILURES", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("MINQING_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # tries during the lock do not make it longer
AXES_LOCKOUT_CALLABLE = "minqing.web.limits.lockout"
AXES_CLIENT_IP_CALLABLE = "minqing.limits.client_ip"
SILENCED_SYSTEM_CHECKS = ["axes.W006"]  # "no ip_address in AXES_LOCKOUT_PARAMETERS": see the lines above

# Headers for every response, demo or not.
SECURE_REFERRER_POLICY = "same-origin"  # a tracking code in /track/<code>/ never leaves in a Referer
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {"DIRECTIVES": {
    "default-src": [SELF],
    "script-src": [SELF],       # no inline script; JSON data blocks (<script type="application/json">) only
    "style-src": [SELF],        # no inline style either: app.css classes
    "img-src": [SELF, "data:"],  # Swagger UI's icons are data: URLs
    "font-src": [SELF],
    "connect-src": [SELF],
    "object-src": [NONE],
    "base-uri": [SELF],
    "form-action": [SELF],
    "frame-ancestors": [NONE],
}}

# The map's tiles (docs/map.md): MINQING_MAP_TILES holds one or more URL templates, space-separated, drawn
# in order ({z}/{x}/{y}, {s} for a subdomain from MINQING_MAP_SUBDOMAINS) — 天地图 (its vec_w layer, then
# its cva_w labels, each with the county's key tk=…) or an intranet tile server; unset: no tiles, a plain
# background with the units' names. The tile servers' origins are added to the CSP's img-src.
MAP_TILES = os.environ.get("MINQING_MAP_TILES", "").split()
MAP_SUBDOMAINS = os.environ.get("MINQING_MAP_SUBDOMAINS", "01234567")
MAP_ATTRIBUTION = os.environ.get("MINQING_MAP_ATTRIBUTION", "")


def _tile_origins(templates: list[str]) -> list[str]:
    origins = []
    for template in templates:
        parts = urlparse(template)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ImproperlyConfigured(f"MINQING_MAP_TILES: {template!r} is not an http(s) URL template")
        host = re.sub(r"^[^.]*\{s\}[^.]*\.", "*.", parts.netloc)  # t{s}.tianditu.gov.cn → *.tianditu.gov.cn
        origins.append(f"{parts.scheme}://{host}")
    return list(dict.fromkeys(origins))


CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"] += _tile_origins(MAP_TILES)

# Production mode: HTTPS only, and no start with a weak secret key, open host names or DEBUG.
PRODUCTION = os.environ.get("MINQING_PRODUCTION") == "1"


def _refuse_weak_production_settings() -> None:
    key = os.environ.get("MINQING_SECRET_KEY", "")
    if not key:
        raise ImproperlyConfigured("MINQING_PRODUCTION=1 needs MINQING_SECRET_KEY (50+ random characters: "
                                   "python -c 'import secrets; print(secrets.token_urlsafe(50))')")
    if len(key) < 50 or len(set(key)) < 5 or key.startswith("django-insecure-"):
        raise ImproperlyConfigured("MINQING_SECRET_KEY is too weak for production: use 50+ random characters")
    hosts = [h for h in os.environ.get("MINQING_ALLOWED_HOSTS", "").split(",") if h.strip()]
    if not hosts or "*" in hosts:
        raise ImproperlyConfigured("MINQING_PRODUCTION=1 needs MINQING_ALLOWED_HOSTS: the site's host names, not *")
    if DEBUG:
        raise ImproperlyConfigured("MINQING_DEBUG=1 shows internals to every visitor: not with MINQING_PRODUCTION=1")


if PRODUCTION:
    _refuse_weak_production_settings()
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = os.environ.get("MINQING_SSL_REDIRECT", "1") != "0"  # 0: the proxy redirects
    SECURE_HSTS_SECONDS = int(os.environ.get("MINQING_HSTS_SECONDS", str(365 * 86400)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("MINQING_HSTS_SUBDOMAINS", "1") != "0"
    SECURE_HSTS_PRELOAD = os.environ.get("MINQING_HSTS_PRELOAD", "1") != "0"
