"""Django settings. Everything a deployment changes comes from the environment:

MINQING_HOME          data folder (SQLite database, uploads, models); default ~/.minqing
MINQING_DATABASE_URL  postgresql://user:pass@host:port/db for production; SQLite when unset
MINQING_SECRET_KEY    secret key; generated once into MINQING_HOME when unset
MINQING_DEBUG         "1" for development
MINQING_ALLOWED_HOSTS comma-separated host names; default "*" (behind a reverse proxy)
"""

import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlparse

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
MEDIA_ROOT = HOME / "media"
MEDIA_URL = "/media/"

# Limits at the edge (bad input gets a clear error, never a 500).
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"minqing": {"level": "INFO"}},
}
