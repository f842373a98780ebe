"""Open sessions name the login backend that logged them in; it moved from score_portal to
accounts. Django ends a session whose backend is no longer configured, so rename it in the
sessions still running: nobody is logged out by the upgrade."""

from django.db import migrations
from django.utils import timezone

OLD = "score_portal.auth_backend.PortalBackend"
NEW = "accounts.auth_backend.PortalBackend"
BACKEND_KEY = "_auth_user_backend"  # django.contrib.auth.BACKEND_SESSION_KEY


def rename(apps, schema_editor, old, new):
    # Sessions are signed with SECRET_KEY; Django's own store decodes and encodes them.
    from django.contrib.sessions.backends.db import SessionStore

    Session = apps.get_model("sessions", "Session")
    store = SessionStore()
    running = Session.objects.using(schema_editor.connection.alias).filter(expire_date__gt=timezone.now())
    for session in running.iterator():
        data = store.decode(session.session_data)
        if data.get(BACKEND_KEY) == old:
            data[BACKEND_KEY] = new
            session.session_data = store.encode(data)
            session.save(update_fields=["session_data"])


def forwards(apps, schema_editor):
    rename(apps, schema_editor, OLD, NEW)


def backwards(apps, schema_editor):
    rename(apps, schema_editor, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_profile_role"), ("sessions", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
