"""Local development and the demo started by run.py: served as production would be (no
debug pages, a real application server) unless a developer sets DEBUG=1."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=False)
# With DEBUG=1 and `manage.py runserver`, static files come straight from the apps' folders;
# otherwise from STATIC_ROOT, which run.py fills with collectstatic at every start.
WHITENOISE_USE_FINDERS = DEBUG
