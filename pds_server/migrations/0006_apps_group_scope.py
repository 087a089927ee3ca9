"""Apps that had every scope before groups existed get GROUP.ALL too (the share dialog lists
groups with the app's token); apps given fewer scopes on purpose keep what they had."""

from django.db import migrations

EVERY_OLD_SCOPE = {"DRIVE.ALL", "FILE.ALL", "SHARE.ALL", "USER.ALL"}


def add_group_scope(apps, schema_editor):
    App = apps.get_model("pds_server", "App")
    for app in App.objects.all():
        if EVERY_OLD_SCOPE <= set(app.scopes) and "GROUP.ALL" not in app.scopes:
            app.scopes = [*app.scopes, "GROUP.ALL"]
            app.save(update_fields=["scopes"])


class Migration(migrations.Migration):
    dependencies = [("pds_server", "0005_first_revisions")]
    operations = [migrations.RunPython(add_group_scope, migrations.RunPython.noop)]
