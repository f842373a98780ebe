"""The machine API answers in the language of the request's Accept-Language header."""

from django.conf import settings
from django.utils import translation
from django.utils.cache import add_never_cache_headers

API_PREFIX = "/api/"


def accept_language(header):
    """The portal's language the header asks for first (by its q values), or the default.

    LocaleMiddleware would prefer the language cookie a browser sends with the request; a system
    calling the API has no cookie to mean anything by, and its contract is the header alone."""
    choices = []
    for position, part in enumerate(header.split(",")):
        tag, _sep, params = part.strip().partition(";")
        tag = tag.strip()
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and tag != "*" and quality > 0:
            choices.append((-quality, position, tag))
    for _quality, _position, tag in sorted(choices):
        try:
            return translation.get_supported_language_variant(tag.lower()[:20])
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


class ApiLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        language = accept_language(request.headers.get("Accept-Language", ""))
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers["Content-Language"] = language
        # The answers hold enterprises' data: no proxy or browser cache keeps them.
        add_never_cache_headers(response)
        vary = response.headers.get("Vary", "")
        if "accept-language" not in vary.lower():
            response.headers["Vary"] = f"{vary}, Accept-Language" if vary else "Accept-Language"
        return response
