"""Settings for SOXP Portal, read from the environment (see README, "Deploying").

DATABASE_URL     sqlite:////abs/path.sqlite3 or postgres://user:password@host:port/name
                 (default: db.sqlite3 beside manage.py)
PRODUCTION       "true" in production: refuses DEBUG, a weak SECRET_KEY and insecure cookies;
                 HTTPS redirect, HSTS and the SMTP mailer by default; static files served from
                 STATIC_ROOT, which collectstatic fills
SECRET_KEY       the signing key (a development key is used when PRODUCTION is off)
SECURE_COOKIES, SECURE_SSL_REDIRECT, SECURE_HSTS_SECONDS, SECURE_HSTS_INCLUDE_SUBDOMAINS,
SECURE_HSTS_PRELOAD  default on in production, off otherwise
TRUSTED_PROXY_COUNT  reverse proxies in front of gunicorn (default 0): trust their X-Forwarded-Proto
DEBUG            "true" or "false" (default false)
ALLOWED_HOSTS    comma-separated (default 127.0.0.1,localhost)
EMAIL_BACKEND    a Django email backend path (default: SMTP in production, else the console);
                 SMTP via EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS
DEFAULT_FROM_EMAIL, SESSION_IDLE_SECONDS, SESSION_RENEW_SECONDS, TASKS_BACKEND ("immediate" or "database")
CACHE_URL        empty (default: the database's cache table) or redis://host:port/db (needs redis-py)
PASSWORD_SIGN_IN "false" turns sign-in by password off (single sign-on only; default true)
OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET  single sign-on (OpenID Connect), off while unset; the
                 rest of OIDC_* (README, "Single sign-on") say which claim finds the census employee,
                 the allowed email domains and the groups that give the staff roles
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from soxp_portal.deployment import DEVELOPMENT_SECRET_KEY, refuse_unsafe_production
from soxp_portal.env import cache_from_url, env, env_bool, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent

# PRODUCTION=true (see README, "Deploying") refuses DEBUG, a weak or published SECRET_KEY and
# cookies over plain HTTP, and turns on HTTPS redirects and HSTS.
PRODUCTION = env_bool("PRODUCTION", default=False)
DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="" if PRODUCTION else DEVELOPMENT_SECRET_KEY)
SECURE_COOKIES = env_bool("SECURE_COOKIES", default=PRODUCTION)
if PRODUCTION:
    refuse_unsafe_production(debug=DEBUG, secret_key=SECRET_KEY, secure_cookies=SECURE_COOKIES)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "soxp_portal.accounts.admin_apps.PortalAdminConfig",  # django.contrib.admin behind the portal's sign-in
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks_db",
    "soxp_portal.accounts",
    "soxp_portal.offers",
    "soxp_portal.closing",
    "soxp_portal.audit",
    "soxp_portal.portal",
    "soxp_portal.console",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "soxp_portal.audit.middleware.RequestIdMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "soxp_portal.privacy.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "soxp_portal.accounts.sessions.SessionRenewalMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "soxp_portal.urls"
WSGI_APPLICATION = "soxp_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("CONN_MAX_AGE", default=60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers wait for each other instead of failing with "database is locked";
    # BEGIN IMMEDIATE takes the write lock up front, so a read-then-write transaction cannot deadlock.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One cache for every worker of every server, surviving restarts: a table of the database by default
# (created by the migration accounts/0004), or a cache server (README, "Scaling out").
CACHES = {"default": cache_from_url(env("CACHE_URL", default=""))}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "soxp_portal.accounts.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
# A refused form (a stale or missing CSRF token) is the portal's 403 page, and is audited.
CSRF_FAILURE_VIEW = "soxp_portal.errors.csrf_failure"
LOGIN_REDIRECT_URL = "home"
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000")  # links in emails sent by commands
INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", default=14)
# Argon2id at stated settings (soxp_portal.accounts.hashers); passwords stored with PBKDF2 still sign
# in and are stored again with Argon2id then.
PASSWORD_HASHERS = [
    "soxp_portal.accounts.hashers.PortalArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "soxp_portal.accounts.validators.EmailLocalPartValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in by password (with a second factor for the staff roles: accounts/two_factor.py) can be turned
# off where everyone signs in through the company's identity provider.
PASSWORD_SIGN_IN = env_bool("PASSWORD_SIGN_IN", default=True)
# Single sign-on by OpenID Connect (soxp_portal.accounts.oidc); on when the issuer and client id are set.
OIDC_ISSUER = env("OIDC_ISSUER", default="")
OIDC_CLIENT_ID = env("OIDC_CLIENT_ID", default="")
OIDC_CLIENT_SECRET = env("OIDC_CLIENT_SECRET", default="")
OIDC_PROVIDER_NAME = env("OIDC_PROVIDER_NAME", default="your company account")
OIDC_SCOPES = env("OIDC_SCOPES", default="openid email profile")
# The claim that names the person, and what it holds: "email" or "employee_id" (the census id).
OIDC_IDENTITY_CLAIM = env("OIDC_IDENTITY_CLAIM", default="email")
OIDC_IDENTITY_FIELD = env("OIDC_IDENTITY_FIELD", default="email")
OIDC_ALLOWED_EMAIL_DOMAINS = env_list("OIDC_ALLOWED_EMAIL_DOMAINS", default=[])
# Roles from the provider: the claim listing the person's groups (empty: roles are kept in the portal),
# and which of those groups make a stock administrator or an auditor.
OIDC_GROUPS_CLAIM = env("OIDC_GROUPS_CLAIM", default="")
OIDC_STOCK_ADMINISTRATOR_GROUPS = env_list("OIDC_STOCK_ADMINISTRATOR_GROUPS", default=[])
OIDC_AUDITOR_GROUPS = env_list("OIDC_AUDITOR_GROUPS", default=[])
OIDC_CLOCK_SKEW_SECONDS = env_int("OIDC_CLOCK_SKEW_SECONDS", default=60)
OIDC_TIMEOUT_SECONDS = env_int("OIDC_TIMEOUT_SECONDS", default=10)
if not PASSWORD_SIGN_IN and not (OIDC_ISSUER and OIDC_CLIENT_ID):
    raise ImproperlyConfigured(
        "PASSWORD_SIGN_IN is off and single sign-on is not configured (OIDC_ISSUER, OIDC_CLIENT_ID): "
        "no one could sign in."
    )
if PRODUCTION and OIDC_ISSUER and not OIDC_ISSUER.startswith("https://"):
    raise ImproperlyConfigured(f"OIDC_ISSUER must be an https:// address in production, not {OIDC_ISSUER!r}.")
# The authenticator app shows this name beside the six-digit code.
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="SOXP Portal")

AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", default=5)
# Password-reset emails in a rolling hour (soxp_portal.accounts.throttle); past them, the same answer.
PASSWORD_RESET_LIMIT_PER_ACCOUNT = env_int("PASSWORD_RESET_LIMIT_PER_ACCOUNT", default=3)
PASSWORD_RESET_LIMIT_PER_ADDRESS = env_int("PASSWORD_RESET_LIMIT_PER_ADDRESS", default=10)
AXES_COOLOFF_TIME = 1  # hours
# Refusals, CSRF failures, reset requests and employees' downloads in the audit trail (audit.repeats):
# per kind, from one user (or client address) on one URL pattern, the first AUDIT_REPEAT_LIMIT in a
# window of AUDIT_REPEAT_WINDOW_SECONDS are recorded one by one and the rest summarised in one event.
AUDIT_REPEAT_LIMIT = env_int("AUDIT_REPEAT_LIMIT", default=5)
AUDIT_REPEAT_WINDOW_SECONDS = env_int("AUDIT_REPEAT_WINDOW_SECONDS", default=15 * 60)
# A lock-out holds the pair (account, client address): someone elsewhere cannot lock an employee out.
# The address is the client's behind TRUSTED_PROXY_COUNT proxies, not the proxy's (soxp_portal.client).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "soxp_portal.client.client_address"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"

SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", default=30 * 60)
# The age above is an idle time-out, renewed at most once a minute (soxp_portal.accounts.sessions), so
# that reading a page writes nothing.
SESSION_RENEW_SECONDS = env_int("SESSION_RENEW_SECONDS", default=60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_COOKIES

# HTTPS only in production: plain HTTP is redirected, and browsers are told (HSTS) for a year to
# come back over HTTPS alone. Behind a reverse proxy that ends TLS, TRUSTED_PROXY_COUNT=1 (or the
# number of proxies) makes Django trust the X-Forwarded-Proto header that the proxy sets.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=PRODUCTION)
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# WhiteNoise serves the static files whatever DEBUG is (runserver's own static handler is off:
# whitenoise.runserver_nostatic). A production deploy runs `collectstatic` (README, "Deploying") and
# is served the compressed copies in STATIC_ROOT. Everywhere else (`make run`, the tests, `make
# screenshots`) WhiteNoise finds each file where it lives, in static/ and the apps, on each request:
# nothing to collect first, no copy to go stale when a stylesheet is edited, and one way of serving
# for the server, the browser tests and the screenshots alike.
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = not PRODUCTION

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
}

# Django 6.1 mailers. OPTIONS are the backend's own arguments (the SMTP backend's host, port,
# username, password, use_tls; the file backend's file_path).
_EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
_EMAIL_OPTIONS: dict[str, object] = {}
if _EMAIL_BACKEND.endswith("smtp.EmailBackend"):
    _EMAIL_OPTIONS = {
        "host": env("EMAIL_HOST", default="localhost"),
        "port": env_int("EMAIL_PORT", default=25),
        "username": env("EMAIL_HOST_USER", default=""),
        "password": env("EMAIL_HOST_PASSWORD", default=""),
        "use_tls": env_bool("EMAIL_USE_TLS", default=False),
    }
elif _EMAIL_BACKEND.endswith("filebased.EmailBackend"):
    _EMAIL_OPTIONS = {"file_path": env("EMAIL_FILE_PATH", default=str(BASE_DIR / "sent-mail"))}
MAILERS = {"default": {"BACKEND": _EMAIL_BACKEND, "OPTIONS": _EMAIL_OPTIONS}}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="SOXP Portal <soxp@localhost>")

TASKS_BACKENDS = {
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
TASKS = {"default": {"BACKEND": TASKS_BACKENDS[env("TASKS_BACKEND", default="immediate")]}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # WeasyPrint logs each step of every render at INFO.
        "weasyprint.progress": {"level": "WARNING"},
        # pikepdf announces "C++ to Python logger bridge initialized" at INFO when it is imported,
        # which every manage.py command does (the letters cut their PDFs with it).
        "pikepdf._core": {"level": "WARNING"},
    },
}

FIXTURE_DIRS = [BASE_DIR / "fixtures"]
