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
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse

VERSION_KEY = "public-data-version"
VERSION_RECHECK_SECONDS = 1.0
LOCAL_ENTRIES = 512

_lock = threading.Lock()
_version: tuple[int, float] | None = None  # (version, when read from the shared cache)
_local: OrderedDict[str, tuple[float, Any]] = OrderedDict()  # key -> (expires at, value)


def public_version() -> int:
    global _version
    now = time.monotonic()
    known = _version
    if known is not None and now - known[1] < VERSION_RECHECK_SECONDS:
        return known[0]
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY, 1)
    _version = (int(version), now)
    return int(version)


def _bump() -> None:
    global _version
    try:
        version = cache.incr(VERSION_KEY)
    except ValueError:  # evicted or never set
        cache.add(VERSION_KEY, 2, timeout=None)
        version = cache.get(VERSION_KEY, 2)
    _version = (int(version), time.monotonic())


def public_data_changed() -> None:
    """Drop every cached public response. Call it inside the transaction that changes the data.

    It bumps now and again after the commit: a reader that cached the old data in between
    (it could not see the uncommitted change yet) is dropped by the second bump.
    """
    _bump()
    transaction.on_commit(_bump)


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
    now = time.monotonic()
    with _lock:
        entry = _local.get(key)
        if entry is not None and entry[0] > now:
            _local.move_to_end(key)
            return entry[1]
    value = cache.get(key)
    if value is not None:
        _remember(key, value, now + settings.PUBLIC_CACHE_SECONDS)
    return value


def _remember(key: str, value: Any, expires: float) -> None:
    with _lock:
        _local[key] = (expires, value)
        _local.move_to_end(key)
        while len(_local) > LOCAL_ENTRIES:
            _local.popitem(last=False)


def _set(key: str, value: Any) -> None:
    if _disabled():
        return
    cache.set(key, value, settings.PUBLIC_CACHE_SECONDS)
    _remember(key, value, time.monotonic() + settings.PUBLIC_CACHE_SECONDS)


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
KEPT_HEADERS = ("Content-Type", "Content-Language", "Vary")


def cache_public(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a view's responses as the same for every anonymous visitor (in a language)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        setattr(response, PUBLIC_RESPONSE_ATTR, True)
        return response

    return wrapped


def response_key(*, language: str, full_path: str) -> str:
    return _key("page", f"{language}:{full_path}")


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
    if (
        getattr(response, PUBLIC_RESPONSE_ATTR, False)
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
    ):
        _set(key, (response.content, [(n, response[n]) for n in KEPT_HEADERS if n in response]))
        response["X-Cache"] = "miss"
