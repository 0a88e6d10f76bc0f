from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

API_PREFIX = "/api/"


def api_language(request: HttpRequest) -> str:
    """API clients get Vietnamese only when they ask for it; every other client gets English."""
    header = request.headers.get("Accept-Language", "")
    for lang, quality in parse_accept_lang_header(header):
        if quality <= 0:  # "vi;q=0" means "not Vietnamese"
            continue
        if lang.lower().startswith("vi"):
            return "vi"
        if lang != "*":
            break
    return "en"


class ApiLanguageMiddleware:
    """The web portal defaults to Vietnamese; the API answers in the caller's Accept-Language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        language = api_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
