from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from accounts.models import Profile
from accounts.throttle import ThrottledAdminAuthenticationForm

# The admin's own login page is throttled like the portal's.
admin.site.login_form = ThrottledAdminAuthenticationForm


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    verbose_name_plural = _("where this user works")


class PortalUserAdmin(UserAdmin):
    inlines = [ProfileInline]
    list_display = ["username", "first_name", "last_name", "is_staff", "is_active"]
    list_filter = ["groups", "is_staff", "is_active"]


admin.site.unregister(User)
admin.site.register(User, PortalUserAdmin)
