"""Every error of the machine API is `{"error": "…"}` in the request's language, with the status the
contract gives it (docs/domain.md, "The machine API"): REST framework's own bodies (`{"detail": …}`)
are rewritten here."""

from django.conf import settings
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as rest_exception_handler


class ApiError(exceptions.APIException):
    """An error with its own message and status (400 unless given)."""

    def __init__(self, message, status_code=status.HTTP_400_BAD_REQUEST):
        super().__init__(message)
        self.status_code = status_code


def too_large_message():
    return _(
        "The request is larger than %(limit)s MB, the largest import the portal accepts. "
        "Send the rows in smaller requests."
    ) % {"limit": settings.SCORE_IMPORT_MAX_BYTES // (1024 * 1024)}


def not_found_message():
    return _("There is nothing at this address of the API (see /api/v1/docs/).")


def error_response(message, status_code, **kwargs):
    return JsonResponse(
        {"error": str(message)}, status=status_code, json_dumps_params={"ensure_ascii": False}, **kwargs
    )


def _message(exc):
    if isinstance(exc, ApiError | exceptions.AuthenticationFailed | exceptions.NotAuthenticated):
        return str(exc.detail)
    if isinstance(exc, exceptions.PermissionDenied):
        return str(exc.detail)
    if isinstance(exc, Http404 | exceptions.NotFound):
        return not_found_message()
    if isinstance(exc, exceptions.MethodNotAllowed):
        return _("This address does not take %(method)s requests.") % {
            "method": exc.args[0] if exc.args else ""
        }
    if isinstance(exc, exceptions.Throttled):
        return _(
            "This client made more than %(limit)s requests in a minute, the portal's limit; try again in "
            "%(seconds)s seconds."
        ) % {"limit": settings.SCORE_API_RATE, "seconds": exc.wait}
    if isinstance(exc, exceptions.ParseError):
        return _("The body is not valid JSON.")
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return _("Send the body as JSON (Content-Type: application/json).")
    return str(exc.detail) if hasattr(exc, "detail") else str(exc)


def exception_handler(exc, context):
    response = rest_exception_handler(exc, context)
    if response is None:
        return None  # a fault: Django's 500, logged with its traceback
    if isinstance(exc, exceptions.MethodNotAllowed):
        exc.args = (context["request"].method,)
    body = Response({"error": _message(exc)}, status=response.status_code)
    for header in ("WWW-Authenticate", "Retry-After", "Allow"):
        if header in response:
            body[header] = response[header]
    return body
