from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from accounts.models import Profile
from accounts.scoping import user_role
from accounts.throttle import ThrottledAdminAuthenticationForm

# The admin's own login page is throttled like the portal's.
admin.site.login_form = ThrottledAdminAuthenticationForm


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    verbose_name_plural = _("role and place of work")


class PortalUserAdmin(UserAdmin):
    inlines = [ProfileInline]
    list_display = ["username", "first_name", "last_name", "role", "is_staff", "is_active"]
    list_select_related = ["profile"]
    list_filter = ["profile__role", "is_staff", "is_active"]

    @admin.display(description=_("role"), ordering="profile__role")
    def role(self, user):
        role = user_role(user)
        return role.label if role else "—"


admin.site.unregister(User)
admin.site.register(User, PortalUserAdmin)
