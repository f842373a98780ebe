from django.urls import path

from . import review_views

urlpatterns = [
    path("", review_views.queue, name="review"),
    path("approve/", review_views.approve, name="review_approve"),
    path("return/", review_views.return_, name="review_return"),
    path("reopen/", review_views.reopen, name="review_reopen"),
    path("exempt/", review_views.exempt, name="review_exempt"),
    path("exempt/end/", review_views.exempt_end, name="review_exempt_end"),
    # Any text where the month goes: a malformed month is the page's 404, not the resolver's.
    path("file/<credit_code:credit_code>/<str:month>/", review_views.file_for, name="review_file"),
]
