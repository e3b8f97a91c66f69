"""WSGI entry point (gunicorn alumusic.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alumusic.settings")
application = get_wsgi_application()
