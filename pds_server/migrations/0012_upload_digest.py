"""The digest chain of an upload (issue 17): a resumable digest of its parts 1..k, kept
between part requests so that `complete` need not read the parts again."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("pds_server", "0011_federation")]

    operations = [
        migrations.AddField(
            model_name="upload",
            name="assembled_through",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="upload",
            name="digest_epoch",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="upload",
            name="digest_state",
            field=models.BinaryField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="upload",
            name="digest_through",
            field=models.PositiveIntegerField(default=0),
        ),
    ]
