"""Settings shared by every environment; values come from the environment (12-factor)."""

import datetime as dt
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

SECRET_KEY = env("SECRET_KEY", default="insecure-local-development-key-change-me-0123456789")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.postgres",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "axes",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    "csp",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "crm",
    "crm.routing",
    "crm.automation",
    "crm.messaging",
    "contacts",
    "deals",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "crm.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    # Last: it turns a login refused by the lockout into the lockout page or API error.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"
ASGI_APPLICATION = "crm.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "crm.context_processors.shell",
            ],
        },
    },
]

# PostgreSQL only: the product relies on pg_trgm, unaccent, SKIP LOCKED and partial indexes.
DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/crm")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# A connection kept between requests is checked before it is used again, so a restarted
# PostgreSQL costs one reconnect, not an error. In the worker, Celery's Django fixup closes the
# connections before and after every task (as long as CELERY_DB_REUSE_MAX stays unset), so a
# task never starts on a connection that died while the worker waited.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="crm"),
    }
}

AUTH_USER_MODEL = "crm.User"
# The lockout backend goes first: a locked-out request is refused before any password check.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env("TIME_ZONE", default="Europe/Moscow")
DEFAULT_CURRENCY = env("DEFAULT_CURRENCY", default="RUB")
# Phones written without a country code belong to this region (ISO 3166 code).
PHONE_DEFAULT_REGION = env("PHONE_DEFAULT_REGION", default="RU")

STATIC_URL = "/static/"
# run.py up collects the static files into its data folder; WhiteNoise serves them.
STATIC_ROOT = env("STATIC_ROOT", default=str(BASE_DIR / "var" / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media"))
MEDIA_URL = "/media/"

# Mail: EMAIL_URL such as smtp://user:pass@host:587 or smtp+tls://...; the demo points at the
# local SMTP sink started by run.py.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="smtp://127.0.0.1:1025")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="CRM <crm@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# Seconds after which an e-mail claimed by a worker that never reported back is sent again.
EMAIL_CLAIM_TIMEOUT = env.int("EMAIL_CLAIM_TIMEOUT", default=600)
# Messages the demo SMTP sink received, shown to admins at /mail-sink/.
MAIL_SINK_DIR = env("MAIL_SINK_DIR", default=str(BASE_DIR / "var" / "mail"))

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# A task's message is acknowledged once the task has run, not when a worker takes it, and a
# message whose worker process died is handed back to the queue: a killed worker loses no
# work. Every task is therefore written to run twice harmlessly (a lock, a claim, a unique
# constraint).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A worker process takes one message at a time: a long import does not hold a second message
# that another process could have started.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Time limits (seconds): the soft one raises inside the task (a job then fails and rolls back),
# the hard one kills the worker process. Jobs (crm.tasks.run_job) have limits of their own.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
JOB_SOFT_TIME_LIMIT = env.int("JOB_SOFT_TIME_LIMIT", default=3300)
JOB_TIME_LIMIT = env.int("JOB_TIME_LIMIT", default=3600)
# Redis hands an unacknowledged message to another worker after this many seconds. It must be
# longer than any task may run, or a task still running would be started a second time.
CELERY_BROKER_VISIBILITY_TIMEOUT = env.int(
    "CELERY_BROKER_VISIBILITY_TIMEOUT", default=JOB_TIME_LIMIT + 600
)
if max(JOB_TIME_LIMIT, CELERY_TASK_TIME_LIMIT) >= CELERY_BROKER_VISIBILITY_TIMEOUT:
    raise ImproperlyConfigured(
        "CELERY_BROKER_VISIBILITY_TIMEOUT must be longer than JOB_TIME_LIMIT and "
        "CELERY_TASK_TIME_LIMIT, or a running task is handed to a second worker."
    )
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "send-due-reminders": {"task": "crm.tasks.send_due_reminders", "schedule": 30.0},
    "worker-heartbeat": {"task": "crm.tasks.worker_heartbeat", "schedule": 30.0},
    # Customer value and RFM scores, at night when nobody waits on the database.
    "contacts-recompute-customer-value": {
        "task": "contacts.tasks.recompute_customer_value",
        "schedule": crontab(hour=3, minute=0),
    },
    "purge-job-uploads": {
        "task": "crm.tasks.purge_job_uploads",
        "schedule": crontab(hour=3, minute=30),
    },
    "purge-sign-in-records": {
        "task": "crm.tasks.purge_sign_in_records",
        "schedule": crontab(hour=3, minute=45),
    },
    # Jobs whose worker died (heartbeat stopped) are queued again or failed.
    "sweep-stalled-jobs": {"task": "crm.tasks.sweep_stalled_jobs", "schedule": 60.0},
    # Messages whose delivery job was lost with its worker are queued again.
    "requeue-stale-messages": {
        "task": "crm.messaging.tasks.requeue_stale_messages",
        "schedule": 60.0,
    },
    # Robots and triggers: the runs of time conditions are made and every due run is run
    # (delays, retries after backoff, runs whose worker died), never by a Celery countdown.
    "automation-poll": {"task": "crm.automation.tasks.poll", "schedule": 30.0},
    # Invoices past their payment date become overdue, first thing in the morning.
    "deals-invoices-mark-overdue": {
        "task": "deals.tasks_invoices.invoices_mark_overdue",
        "schedule": crontab(hour=0, minute=15),
    },
    # The sales generator: repeat deals that fell due (a no-op for deals already repeated).
    "deals-repeat-deals-open": {"task": "deals.tasks.repeat_deals_open", "schedule": 900.0},
}
# Days an uploaded import file that was only checked, or failed, is kept (it holds personal data).
IMPORT_FILE_RETENTION_DAYS = env.int("IMPORT_FILE_RETENTION_DAYS", default=7)
# A check of an uploaded file of up to this many rows answers while the page waits; a larger
# one runs on a worker, with a progress bar.
IMPORT_CHECK_INLINE_MAX_ROWS = env.int("IMPORT_CHECK_INLINE_MAX_ROWS", default=500)
# A job found running whose last sign of life (heartbeat_at) is older than this many seconds
# lost its worker: the sweep queues it again, up to JOB_MAX_ATTEMPTS runs, then fails it.
JOB_STALE_AFTER_SECONDS = env.int("JOB_STALE_AFTER_SECONDS", default=120)
JOB_MAX_ATTEMPTS = env.int("JOB_MAX_ATTEMPTS", default=3)
WORKER_HEARTBEAT_MAX_AGE = 120  # seconds after which /healthz reports the worker as silent

# --- signing in: client address, lockout, password reset, API tokens -----------------------

# How many reverse proxies of our own stand in front of the application. 0: the client address
# is the connection's (REMOTE_ADDR) and X-Forwarded-For is ignored, so a client cannot choose
# the address it is counted under. N: the address the outermost of our N proxies saw, i.e. the
# N-th entry from the right of X-Forwarded-For. The access log, the API throttles and the
# login lockout all read it through crm.http.client_ip.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Lockout (django-axes, crm.lockout): after LOGIN_FAILURE_LIMIT wrong passwords for one account
# from one address, that pair is refused for LOGIN_COOLOFF_MINUTES; after LOGIN_ADDRESS_FAILURE_LIMIT
# from one address (whatever the accounts), the address is. One account tried from many
# addresses is refused after LOGIN_ACCOUNT_FAILURE_LIMIT failures within the cool-off, except
# from the addresses it signed in from before: limit × 60 / cool-off minutes is the most
# failures an account can take in an hour (25 × 4 = 100), and its owner keeps signing in.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=30)
LOGIN_ACCOUNT_FAILURE_LIMIT = env.int("LOGIN_ACCOUNT_FAILURE_LIMIT", default=25)
LOGIN_COOLOFF_MINUTES = env.int("LOGIN_COOLOFF_MINUTES", default=15)
# An address the account signed in from within these days is not refused by the account lock.
LOGIN_KNOWN_ADDRESS_DAYS = env.int("LOGIN_KNOWN_ADDRESS_DAYS", default=30)

AXES_HANDLER = "crm.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = dt.timedelta(minutes=LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_CLIENT_IP_CALLABLE = "crm.http.client_ip"
AXES_USERNAME_CALLABLE = "crm.lockout.username_of"
AXES_LOCKOUT_CALLABLE = "crm.views.login_locked_out"
# A request refused while locked is not a password guess: it neither counts nor extends the
# lock, so an attacker who keeps knocking cannot keep an account locked for ever.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A success must not wipe the failures of the address: an attacker who owns one account would
# clear their own counter by signing into it.
AXES_RESET_ON_SUCCESS = False
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False

# Password reset mail: at most this many requests per address and per e-mail in an hour.
PASSWORD_RESET_LIMIT_PER_ADDRESS = env.int("PASSWORD_RESET_LIMIT_PER_ADDRESS", default=10)
PASSWORD_RESET_LIMIT_PER_EMAIL = env.int("PASSWORD_RESET_LIMIT_PER_EMAIL", default=3)

# API tokens: refused after this many days unused, and this many days after they were made.
API_TOKEN_IDLE_DAYS = env.int("API_TOKEN_IDLE_DAYS", default=30)
API_TOKEN_MAX_AGE_DAYS = env.int("API_TOKEN_MAX_AGE_DAYS", default=365)
# A token's last use is written at most this often (seconds), not on every request.
API_TOKEN_TOUCH_SECONDS = 60

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous request then gets 401 with WWW-Authenticate, not 403.
        "crm.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    # JSON only, through the parser that bounds nesting and refuses what PostgreSQL cannot
    # store (crm/api/parsers.py); a form-encoded body answers 415.
    "DEFAULT_PARSER_CLASSES": ["crm.api.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_PAGINATION_CLASS": "crm.api.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "crm.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"token": "20/min"},
    # Throttles read the client address the way crm.http.client_ip does (TRUSTED_PROXY_COUNT).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Operational CRM API",
    "DESCRIPTION": "REST API of the operational CRM. Authenticate with a session or with "
    "`Authorization: Token <key>` obtained from `POST /api/v1/auth/token/` or created in the "
    "profile; tokens expire when idle and at a fixed age, and can be revoked.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs page answer signed-in staff only (session or token).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI and Redoc are served from our own static files, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The error answers (400, 401, 403, 404, 415, 429) of every operation, with their body.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "crm.api.errors.document_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "TaskStatusEnum": "crm.models.Task.Status",
        "TaskPriorityEnum": "crm.models.Task.Priority",
        "PhoneKindEnum": "contacts.models.Phone.Kind",
        "EmailKindEnum": "contacts.models.Email.Kind",
        "InteractionKindEnum": "contacts.models.Interaction.Kind",
        "ConsentPurposeEnum": "contacts.models.Consent.Purpose",
        "MessagePurposeEnum": "crm.messaging.models.Purpose",
        "SuppressionReasonEnum": "crm.messaging.models.Suppression.Reason",
        "LeadJunkReasonEnum": "deals.models.Lead.JunkReason",
    },
}

# Content-Security-Policy (django-csp) on every response: scripts only from our own static
# files — no inline script, no eval, so an injected <script> or onclick= does not run — and
# violations reported to /csp-report/, which logs them. Styles allow 'unsafe-inline': the
# templates and the Django admin still carry style="" attributes (docs/security.md).
# (Not named CSP_REPORT_URI: django-csp 4 reads CSP_* settings as its old configuration.)
CONTENT_SECURITY_POLICY_REPORT_URI = env("CSP_REPORT_URI", default="/csp-report/")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "report-uri": [CONTENT_SECURITY_POLICY_REPORT_URI],
    }
}
# Reports accepted per client address and minute; more are dropped unlogged (a page in a loop,
# or someone filling the log).
CSP_REPORTS_PER_MINUTE = env.int("CSP_REPORTS_PER_MINUTE", default=30)

# Audit: who opened more distinct records per hour than this raises an alert (used by apps).
ACCESS_ALERT_THRESHOLD_PER_HOUR = env.int("ACCESS_ALERT_THRESHOLD_PER_HOUR", default=200)


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Where links in e-mails point.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# Contact details shown masked to a role (+7 916 ***-**-67); a user who also has an unmasked
# role sees them in clear.
CONTACT_FIELD_MASKS = {"marketer": ["phone", "email"]}
# How many records of the client base a person may read in bulk per day, per role — list and
# search pages, API pages and exports together — and how many one export may hold (roles
# without the export permission do not export; their number caps what they page through).
# More is the "contacts.bulk_read_unlimited" permission, given by name (no role has it).
CONTACT_EXPORT_CAPS = {
    "admin": 1_000_000,
    "head_of_sales": 50_000,
    "marketer": 100_000,
    "sales_manager": 1_000,
    "supervisor": 10_000,
    "operator": 2_000,
}
