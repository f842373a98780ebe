"""The login backend: Django's ModelBackend, except that the user each request loads from its
session comes with its role and profile in the same query (scoping.user_with_scope). Every page
asks for both; loading them apart cost two more queries on every request."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import router

from accounts.scoping import user_with_scope


class PortalBackend(ModelBackend):
    def get_user(self, user_id):
        User = get_user_model()
        user = user_with_scope(User._meta.pk.to_python(user_id), router.db_for_read(User))
        return user if user is not None and self.user_can_authenticate(user) else None
