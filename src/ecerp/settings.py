"""Django settings for ECERP, configured by environment variables.

DATABASE_URL        default sqlite:///var/ecerp.sqlite3 (embedded mode)
ECERP_TEST_DATABASE_URL  used instead of DATABASE_URL when ECERP_TESTING=1
ECERP_SECRET_KEY    default: generated once and kept in var/secret_key
ECERP_DATA_KEY      key for personal data at rest; default: generated once in var/data_key
ECERP_ALLOWED_HOSTS comma separated, default 127.0.0.1,localhost
ECERP_DEBUG         1 to turn DEBUG on (never in production)
"""

import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from ecerp.paths import BASE_DIR, PROJECT_DIR, VAR_DIR, read_or_create_secret, var_file

TESTING = os.environ.get("ECERP_TESTING") == "1" or "pytest" in sys.modules

SECRET_KEY = os.environ.get("ECERP_SECRET_KEY") or read_or_create_secret(
    "secret_key", lambda: secrets.token_urlsafe(50)
)
DEBUG = os.environ.get("ECERP_DEBUG") == "1"
ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("ECERP_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if host.strip()
]
CSRF_TRUSTED_ORIGINS = [
    origin.strip() for origin in os.environ.get("ECERP_CSRF_TRUSTED_ORIGINS", "").split(",") if origin.strip()
]

INSTALLED_APPS = [
    # ecerp.core first: its templates (admin/base_site.html) override the admin's own.
    "ecerp.core",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ecerp.masterdata",
    "ecerp.inventory",
    "ecerp.sales",
    "ecerp.aftersales",
    "ecerp.customs",
]

MIDDLEWARE = [
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
]

ROOT_URLCONF = "ecerp.urls"

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
                "ecerp.core.context_processors.system_mode",
            ],
        },
    },
]

WSGI_APPLICATION = "ecerp.wsgi.application"

_default_db = f"sqlite:///{var_file('ecerp.sqlite3')}"
_db_url = os.environ.get("DATABASE_URL", _default_db)
if TESTING:
    _db_url = os.environ.get("ECERP_TEST_DATABASE_URL") or f"sqlite:///{var_file('test.sqlite3')}"
DATABASES = {"default": dj_database_url.parse(_db_url, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets pages read while an import writes; IMMEDIATE avoids upgrade deadlocks.
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every request otherwise
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if TESTING or DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12

DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20000

# Personal data at rest (ID numbers, phones, addresses).
ECERP_DATA_KEY = os.environ.get("ECERP_DATA_KEY") or read_or_create_secret(
    "data_key", lambda: __import__("cryptography.fernet").fernet.Fernet.generate_key().decode()
)

# The official customs XSDs (ceb-import-202205.xsd, dxp-terminal-node-202205.xsd, xmldsig-core-schema.xsd).
# ECERP does not ship them: point this at the folder holding the files the customs single window publishes
# (default: the workspace's shared/customs/xsd beside the project folder).
ECERP_CUSTOMS_XSD_DIR = Path(os.environ.get("ECERP_CUSTOMS_XSD_DIR", PROJECT_DIR.parent / "shared" / "customs" / "xsd"))
# Customs signing: "sm2-sm3" (software key), "rsa-sha1", or "package.module:factory" (a UKey, a crypto server);
# software keys live in ECERP_CUSTOMS_KEY_DIR (default var/customs-keys/).
ECERP_CUSTOMS_SIGNER = os.environ.get("ECERP_CUSTOMS_SIGNER", "sm2-sm3")
ECERP_CUSTOMS_KEY_DIR = os.environ.get("ECERP_CUSTOMS_KEY_DIR") or None
# Customs exchange: "folder" (ECERP_CUSTOMS_EXCHANGE_DIR, default var/customs-exchange/) or "amqp" (RabbitMQ).
ECERP_CUSTOMS_TRANSPORT = os.environ.get("ECERP_CUSTOMS_TRANSPORT", "folder")
ECERP_CUSTOMS_EXCHANGE_DIR = os.environ.get("ECERP_CUSTOMS_EXCHANGE_DIR") or None
ECERP_CUSTOMS_AMQP_URL = os.environ.get("ECERP_CUSTOMS_AMQP_URL", "")

# Failed logins: after this many failures for one username or address inside the window, refuse.
ECERP_LOGIN_MAX_FAILURES = int(os.environ.get("ECERP_LOGIN_MAX_FAILURES", "5"))
ECERP_LOGIN_WINDOW_SECONDS = int(os.environ.get("ECERP_LOGIN_WINDOW_SECONDS", "900"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ECERP_LOG_LEVEL", "INFO")},
}
