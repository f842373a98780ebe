from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from score_portal.models import Role
from score_portal.scoping import user_role

# Where each role does its daily work.
HOME_OF_ROLE = {
    Role.PROGRAMME_ADMIN: "dashboard",
    Role.CITY_OFFICIAL: "dashboard",
    Role.DISTRICT_OFFICIAL: "dashboard",
    Role.TRAINER: "enterprise_list",
}


@login_required
def home(request):
    role = user_role(request.user)
    if role is None:
        # An account made in the admin without a role: say so rather than show an empty portal.
        return render(request, "no_role.html", status=403)
    return redirect(HOME_OF_ROLE[role])
