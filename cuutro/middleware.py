"""Project-wide request hygiene."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _


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
