"""/accounts/enterprise-accounts/: enterprises' accounts, made and reset by their district."""

from django.urls import path

from enterprises import account_views

# `<credit_code:…>` is registered by enterprises.apps.
urlpatterns = [
    path("", account_views.enterprise_accounts, name="enterprise_accounts"),
    path(
        "<credit_code:credit_code>/new/", account_views.enterprise_account_new, name="enterprise_account_new"
    ),
    path(
        "<credit_code:credit_code>/<int:user_id>/reset/",
        account_views.enterprise_account_reset,
        name="enterprise_account_reset",
    ),
]
