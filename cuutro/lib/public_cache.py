"""A short-lived cache for what anonymous visitors read, dropped whenever public data changes.

Public pages and API reads are the same for every anonymous visitor in a language, and after a
flood most traffic is many people opening the same few searches. Views opt in with
``@cache_public``; ``cuutro.middleware.PublicCacheMiddleware`` serves and stores the responses
before the session, authentication and CSRF layers run, which is what makes a hit cheap.

Every entry is keyed by a *public data version*. Services call ``public_data_changed()`` when
they change something the public sees (a need verified, cancelled…), which moves every reader
to fresh entries: at once in this process, within ``VERSION_RECHECK_SECONDS`` in the others.
``PUBLIC_CACHE_SECONDS`` bounds how stale an entry can be if a bump were ever missed.

Two levels: a small in-process table in front of Django's cache (Redis in production), so a
popular search costs no network round trip at all.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse, QueryDict

VERSION_KEY = "public-data-version"
VERSION_RECHECK_SECONDS = 1.0
LOCAL_ENTRIES = 512
LOCAL_MAX_BYTES = 256 * 1024  # bigger responses (the full map) live only in the shared cache

logger = logging.getLogger(__name__)
_lock = threading.Lock()
_version: tuple[int, float] | None = None  # (version, when read from the shared cache)
_local: OrderedDict[str, tuple[float, Any]] = OrderedDict()  # key -> (expires at, value)


def _first_version() -> int:
    # Time-based, so a version key that was evicted never restarts below an earlier value and
    # entries cached under old versions can never be served again.
    return time.time_ns() // 1_000_000


def _remember_version(version: int) -> None:
    global _version
    with _lock:
        # Never step back: a reader that fetched before a bump must not undo it.
        if _version is None or version >= _version[0]:
            _version = (version, time.monotonic())


def public_version() -> int:
    known = _version
    if known is not None and time.monotonic() - known[1] < VERSION_RECHECK_SECONDS:
        return known[0]
    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, _first_version(), timeout=None)
            version = cache.get(VERSION_KEY) or _first_version()
    except Exception:  # the cache is down: serve uncached rather than fail the page
        logger.warning("public cache unavailable", exc_info=True)
        return known[0] if known else _first_version()
    _remember_version(int(version))
    return int(version)


def _bump() -> None:
    try:
        try:
            version = cache.incr(VERSION_KEY)
        except ValueError:  # evicted or never set
            cache.add(VERSION_KEY, _first_version(), timeout=None)
            version = cache.incr(VERSION_KEY)
    except Exception:
        # Without the shared cache nothing is served from it either; the local level is
        # dropped below so this process cannot serve stale pages.
        logger.warning("public cache unavailable: version not bumped", exc_info=True)
        reset_local()
        return
    _remember_version(int(version))


def public_data_changed() -> None:
    """Drop every cached public response. Call it inside the transaction that changes the data.

    It bumps now and again after the commit: a reader that cached the old data in between
    (it could not see the uncommitted change yet) is dropped by the second bump.
    """
    _bump()
    transaction.on_commit(_bump, robust=True)


def reset_local() -> None:
    """Forget this process's copies (tests call it with ``cache.clear()``)."""
    global _version
    with _lock:
        _local.clear()
        _version = None


def _disabled() -> bool:
    # CACHE_URL=dummy:// turns all caching off, the in-process level included.
    return settings.CACHES["default"]["BACKEND"].endswith("DummyCache")


def _get(key: str) -> Any:
    if _disabled():
        return None
    now = time.time()
    with _lock:
        entry = _local.get(key)
        if entry is not None and entry[0] > now:
            _local.move_to_end(key)
            return entry[1]
    try:
        stored = cache.get(key)
    except Exception:
        logger.warning("public cache unavailable", exc_info=True)
        return None
    if stored is None:
        return None
    expires, value = stored  # the absolute expiry travels with the value: no second lifetime
    if expires <= now:
        return None
    _remember(key, value, expires)
    return value


def _remember(key: str, value: Any, expires: float) -> None:
    if isinstance(value, tuple) and value and isinstance(value[0], bytes) and len(value[0]) > LOCAL_MAX_BYTES:
        return
    with _lock:
        _local[key] = (expires, value)
        _local.move_to_end(key)
        while len(_local) > LOCAL_ENTRIES:
            _local.popitem(last=False)


def _set(key: str, value: Any) -> bool:
    if _disabled():
        return False
    expires = time.time() + settings.PUBLIC_CACHE_SECONDS
    try:
        cache.set(key, (expires, value), settings.PUBLIC_CACHE_SECONDS)
    except Exception:
        logger.warning("public cache unavailable", exc_info=True)
        return False
    _remember(key, value, expires)
    return True


def _key(kind: str, name: str) -> str:
    # Hashed: names carry user input (spaces, any script), which cache keys must not.
    return f"pv:{public_version()}:{kind}:{hashlib.sha256(name.encode()).hexdigest()}"


def cached_value(name: str, compute: Callable[[], Any]) -> Any:
    """``compute()`` cached under the current public version (e.g. a search's result count)."""
    key = _key("value", name)
    value = _get(key)
    if value is None:
        value = compute()
        _set(key, value)
    return value


# ---- whole responses ------------------------------------------------------------------------

PUBLIC_RESPONSE_ATTR = "cuutro_public"
KEPT_HEADERS = ("Content-Type", "Content-Language", "Vary", "X-Frame-Options")
# The query parameters public views read; others (cache-busting junk) do not make new entries.
KEY_PARAMETERS = (
    "q", "area", "province", "commune", "category", "status", "urgency", "kind", "campaign", "sort", "page", "limit", "offset", "parent",
    # the public ledger's filters
    "amount", "date_from", "date_to", "reference", "account", "direction", "format",
    # the delegations' calendar
    "days",
)


def cache_public(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a view's responses as the same for every anonymous visitor (in a language)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        setattr(response, PUBLIC_RESPONSE_ATTR, True)
        return response

    return wrapped


def response_key(*, language: str, path: str, query: QueryDict) -> str:
    """Same key whatever the order of the parameters, and blind to ones no public view reads."""
    parameters = sorted((name, value) for name in KEY_PARAMETERS for value in query.getlist(name))
    return _key("page", f"{language}:{path}?{urlencode(parameters)}")


def stored_response(key: str) -> HttpResponse | None:
    hit = _get(key)
    if hit is None:
        return None
    content, headers = hit
    response = HttpResponse(content)
    for name, value in headers:
        response[name] = value
    response["X-Cache"] = "hit"
    return response


def store_response(key: str, response: HttpResponse) -> None:
    """Keep a marked, complete 200 that sets nothing personal (no cookie: CSRF, session…)."""
    shareable = (
        getattr(response, PUBLIC_RESPONSE_ATTR, False)
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
    )
    if shareable and _set(key, (response.content, [(n, response[n]) for n in KEPT_HEADERS if n in response])):
        response["X-Cache"] = "miss"
