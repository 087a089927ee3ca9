"""Every version of a file's content is a Revision row: give each file that already has
content its revision 1 (its current content), naming one when it has no revision_id."""

import secrets

from django.db import migrations


def first_revisions(apps, schema_editor):
    File = apps.get_model("pds_server", "File")
    Revision = apps.get_model("pds_server", "Revision")
    using = schema_editor.connection.alias
    pks = list(
        File.objects.using(using)
        .filter(type="file", status="available", blob__isnull=False, revisions__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    taken = set(Revision.objects.using(using).values_list("revision_id", flat=True))
    for start in range(0, len(pks), 1000):
        revisions_add(File, Revision, using, pks[start : start + 1000], taken)


def revisions_add(File, Revision, using, pks, taken):
    batch = []
    for item in File.objects.using(using).filter(pk__in=pks):
        if not item.revision_id or item.revision_id in taken:
            item.revision_id = secrets.token_hex(20)  # as unguessable as every other id
            File.objects.using(using).filter(pk=item.pk).update(revision_id=item.revision_id)
        taken.add(item.revision_id)
        batch.append(
            Revision(
                revision_id=item.revision_id,
                file_id=item.pk,
                version=1,
                blob_id=item.blob_id,
                name=item.name,
                size=item.size,
                content_type=item.content_type,
                file_extension=item.file_extension,
                content_hash=item.content_hash,
                content_hash_name=item.content_hash_name,
                crc64_hash=item.crc64_hash,
                creator=item.creator,
                created_at=item.updated_at,
            )
        )
    Revision.objects.using(using).bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("pds_server", "0004_people_revisions_audit"),
    ]

    operations = [
        migrations.RunPython(first_revisions, migrations.RunPython.noop, elidable=True),
    ]
