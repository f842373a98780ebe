from django.conf import settings

from dashboard.db_router import reading_from_replica, replica_as_of


def replica_lag(request):
    """`replica_as_of` for base.html's "Data as of 14:02": set on a page read from the read
    replica while the replica is more than SCORE_REPLICA_LAG_WARNING_SECONDS behind the primary.
    One query on such pages; none without a replica or on pages that read the primary."""
    if "replica" not in settings.DATABASES or not reading_from_replica():
        return {}
    return {"replica_as_of": replica_as_of(settings.SCORE_REPLICA_LAG_WARNING_SECONDS)}
