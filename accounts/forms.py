from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form (the old password, then the new one twice, checked by
    AUTH_PASSWORD_VALIDATORS), refusing a new password equal to the current one: an account told
    to change a password its district saw would otherwise keep it."""

    def clean(self):
        cleaned = super().clean()
        new = cleaned.get("new_password2")
        if new and self.user.check_password(new):
            self.add_error("new_password2", _("The new password must differ from the current one."))
        return cleaned
