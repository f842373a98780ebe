from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiClient, Profile, Role
from accounts.scoping import user_role
from accounts.throttle import ThrottledAdminAuthenticationForm

# The admin's own login page is throttled like the portal's.
admin.site.login_form = ThrottledAdminAuthenticationForm


class ProfileForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        role, enterprise = cleaned.get("role"), cleaned.get("enterprise")
        # The same rule as add_user's (accounts.services): the enterprise is an enterprise account's
        # place of work, and nobody else's.
        if role == Role.ENTERPRISE and enterprise is None:
            self.add_error("enterprise", _("An enterprise account needs its enterprise."))
        if role != Role.ENTERPRISE and enterprise is not None:
            self.add_error("enterprise", _("Only an enterprise account belongs to an enterprise."))
        return cleaned


class ProfileInline(admin.StackedInline):
    model = Profile
    form = ProfileForm
    can_delete = False
    verbose_name_plural = _("role and place of work")
    fields = ["role", "city", "district", "enterprise", "must_change_password"]
    # Thousands of enterprises: searched by name or credit code, not listed in a select.
    autocomplete_fields = ["enterprise"]


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


class ApiClientForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        if cleaned.get("all_districts") and cleaned.get("districts"):
            raise forms.ValidationError(
                _("Choose the client's districts or tick “all districts”, not both."), code="both"
            )
        return cleaned


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    """Listed, renamed, given districts and revoked here; made (and its token rotated) with
    `manage.py add_api_client`, which shows the token once: the admin never sees a token."""

    form = ApiClientForm
    list_display = ["name", "district_list", "may_write", "revoked_at", "last_used_at", "request_count"]
    list_filter = ["all_districts", "may_write", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name"]
    filter_horizontal = ["districts"]
    fields = [
        "name",
        "districts",
        "all_districts",
        "may_write",
        "revoked_at",
        "created_at",
        "last_used_at",
        "request_count",
        "previous_token_valid_until",
    ]
    readonly_fields = ["created_at", "last_used_at", "request_count", "previous_token_valid_until"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # a token must be shown once: add_api_client makes clients

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("districts")

    @admin.display(description=_("districts"))
    def district_list(self, client):
        if client.all_districts:
            return _("every district")
        return ", ".join(d.name for d in client.districts.all()) or _("no district")

    @admin.action(description=_("Revoke the selected API clients' tokens"))
    def revoke(self, request, queryset):
        queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())

    def save_model(self, request, obj, form, change):
        # Only what the form changed: a full save would write back the request counter that
        # requests have moved on meanwhile.
        if change:
            obj.save(update_fields=[f for f in form.changed_data if f != "districts"] or ["name"])
        else:
            obj.save()
