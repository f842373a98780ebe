"""An account whose password someone else chose or saw is sent to the password change page until it
has chosen its own (Profile.must_change_password)."""

from django.conf import settings
from django.db import OperationalError
from django.shortcuts import redirect

# What such an account may still open: the change itself, its confirmation, logging out, the
# language switch and the health check. Views by name, so that the admin's own pages of the same
# name ("admin:logout") are not among them.
OPEN_WHILE_PASSWORD_MUST_CHANGE = {
    "password_change",
    "password_change_done",
    "logout",
    "set_language",
    "healthz",
}


class PasswordChangeRequiredMiddleware:
    """After AuthenticationMiddleware. Asks in process_view, where the view's name is known; a URL
    that names no view is a 404 whoever asks. The machine API authenticates by token, never by the
    session, and is left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.resolver_match.view_name in OPEN_WHILE_PASSWORD_MUST_CHANGE:
            return None
        if request.path.startswith("/api/"):
            return None
        try:
            must_change = _must_change_password(request)
        except OperationalError:
            # The session or the user could not be read (a table locked past the request's lock
            # timeout): the view, which reads them too, meets the same error, and an error of the
            # view is answered as busy (score_portal.middleware.DatabaseTimeoutMiddleware); one
            # raised here would skip that and answer 500.
            return None
        return redirect("password_change") if must_change else None


def _must_change_password(request):
    # Without a session cookie nobody is logged in: no user loaded to find out. With one, the
    # user comes with its profile (accounts.auth_backend), which the view loads anyway.
    if settings.SESSION_COOKIE_NAME not in request.COOKIES or not request.user.is_authenticated:
        return False
    profile = getattr(request.user, "profile", None)
    return profile is not None and profile.must_change_password
