from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django.views.i18n import set_language

from accounts import views as accounts_views
from accounts.throttle import ThrottledAuthenticationForm
from score_portal import views

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=ThrottledAuthenticationForm
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password_change/", accounts_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password_change/done/",
        accounts_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/enterprise-accounts/", include("enterprises.account_urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("enterprises/", include("dashboard.enterprise_urls")),
    path("training/", include("training.urls")),
    path("imports/", include("imports.urls")),
    path("dashboard/", include("dashboard.urls")),
    # The enterprises' own pages (docs/domain.md, "Enterprises report for themselves").
    path("report/", include("reporting.urls")),
    # The district's review of them, and its filing for an enterprise (代填报).
    path("review/", include("reporting.review_urls")),
    # The machine API for the department's other systems (docs/api.md); JSON 404 under /api/.
    path("api/", include("api.urls")),
    # Admin pages of models that moved to other apps (README, "Layout"): bookmarks keep working.
    re_path(
        r"^admin/score_portal/(?P<rest>profile/.*)$",
        RedirectView.as_view(url="/admin/accounts/%(rest)s", query_string=True, permanent=True),
    ),
    re_path(
        r"^admin/score_portal/(?P<rest>importbatch/.*)$",
        RedirectView.as_view(url="/admin/imports/%(rest)s", query_string=True, permanent=True),
    ),
    re_path(
        r"^admin/enterprises/(?P<rest>(city|district)/.*)$",
        RedirectView.as_view(url="/admin/districts/%(rest)s", query_string=True, permanent=True),
    ),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
]

# Django's bare 400 answer replaced by the portal's page (score_portal.views.bad_request).
handler400 = "score_portal.views.bad_request"
