"""The account's own pages: changing its password."""

from django.contrib.auth import views as auth_views

from accounts.forms import PasswordChangeForm
from accounts.services import password_changed


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view (the session stays logged in, the account's other sessions end) in the portal's
    look; the change ends a forced change (accounts.middleware)."""

    form_class = PasswordChangeForm
    # Not registration/password_change_form.html: that name is the admin's page too.
    template_name = "accounts/password_change_form.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        password_changed(user=form.user)
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"
