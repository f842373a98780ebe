"""Admin querysets through the scoping function, so a district account sees only its district."""

from accounts.scoping import visible_districts


class DistrictScopedAdmin:
    """Mixin for a ModelAdmin whose objects belong to a district through `district_path`."""

    district_path = "district"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.district_path}__in": visible_districts(request.user)})
