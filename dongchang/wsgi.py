"""WSGI entry point, used by gunicorn in production: gunicorn dongchang.wsgi."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dongchang.settings")

application = get_wsgi_application()
