"""Project-wide request hygiene."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _

from cuutro.api.middleware import API_PREFIX, api_language
from cuutro.lib.public_cache import response_key, store_response, stored_response


class RejectControlCharactersMiddleware:
    """Refuse a query string or path holding a NUL byte with a clear 400.

    PostgreSQL cannot store or compare NUL, so such a request would otherwise end in a server
    error deep inside a query. Form and JSON bodies are checked by their own validators.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or any("\x00" in v for _key, vs in request.GET.lists() for v in vs):
            message = _("The address contains characters that are not allowed.")
            if request.path.startswith("/api/"):
                return JsonResponse({"error": {"code": "invalid", "message": message, "fields": {}}}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


# Where @cache_public views live: other paths skip the lookup (a miss costs a cache round trip).
PUBLIC_PREFIXES = (
    "/needs/", "/api/v1/needs", "/api/v1/areas", "/api/v1/catalogue",
    "/funds/", "/ledger/", "/api/v1/funds", "/api/v1/ledger", "/api/v1/trace",
    "/needed/", "/api/v1/board", "/delegations/",
)


class PublicCacheMiddleware:
    """Serve anonymous reads of ``@cache_public`` views from the public cache.

    It sits before the session, authentication and CSRF middleware so that a hit skips them: a
    request with a session cookie (a logged-in person, or anyone the site has set state for)
    always goes the full way and is never stored.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        personal = settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES
        public_path = request.path == "/" or request.path.startswith(PUBLIC_PREFIXES)
        if request.method != "GET" or personal or not public_path:
            return self.get_response(request)
        api = request.path.startswith(API_PREFIX)
        language = api_language(request) if api else translation.get_language_from_request(request)
        key = response_key(language=language, path=request.path, query=request.GET)
        hit = stored_response(key)
        if hit is not None:
            return hit
        response = self.get_response(request)
        store_response(key, response)
        return response
