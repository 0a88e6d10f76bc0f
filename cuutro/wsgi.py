"""WSGI entry point (granian, gunicorn or any WSGI server): ``cuutro.wsgi:application``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cuutro.settings")
application = get_wsgi_application()
