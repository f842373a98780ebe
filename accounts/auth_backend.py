"""The login backend: Django's ModelBackend, with the profile (role and place of work) loaded with
the user, as every page asks for both (healthchecks' hc/accounts/backends.py does the same)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class PortalBackend(ModelBackend):
    def get_user(self, user_id):
        User = get_user_model()
        try:
            user = User._default_manager.select_related("profile").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
