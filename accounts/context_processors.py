from accounts.scoping import user_role


def role(request):
    """The user's role, for the navigation bar."""
    return {"role": user_role(request.user) if hasattr(request, "user") else None}
