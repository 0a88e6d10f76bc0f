"""Settings for the benchmark: the real ``cuutro.settings`` with one change.

The translation catalogues (.mo) are compiled from ``cuutro/locale/*/LC_MESSAGES/django.po``
into ``bench/var/locale`` (by ``bench/seed.py`` and ``bench/run.py``) instead of next to the
sources, so the benchmark renders Vietnamese pages like production without writing into the
source tree. Everything else (DEBUG, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, CUUTRO_VAR_DIR)
comes from the environment exactly as in production.
"""

from __future__ import annotations

from pathlib import Path

from cuutro.settings import *  # noqa: F403
from cuutro.settings import BASE_DIR

BENCH_DIR = Path(__file__).resolve().parent
LOCALE_PATHS = [BENCH_DIR / "var" / "locale", BASE_DIR / "cuutro" / "locale"]
