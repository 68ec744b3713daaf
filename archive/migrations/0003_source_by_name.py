"""Entries name what they were filed from (`source_type`/`source_id`) and what they stand for
(`object_type`/`object_id`) instead of linking to the documents' and approvals' tables, so
that the archive depends on no app's models and new kinds can be filed without a migration
here. Existing rows are carried over: a received copy is `delivery:<id>` standing for its
document, an outgoing document `document:<id>`, an approval `approval:<id>`."""

from django.db import migrations, models


def carry_over(apps, schema_editor):
    entry = apps.get_model("archive", "ArchiveEntry")
    for row in entry.objects.all().only("id", "kind", "document_id", "delivery_id",
                                        "approval_id"):
        if row.kind == "incoming":
            values = ("delivery", row.delivery_id, "document", row.document_id)
        elif row.kind == "outgoing":
            values = ("document", row.document_id, "document", row.document_id)
        else:
            values = ("approval", row.approval_id, "approval", row.approval_id)
        entry.objects.filter(id=row.id).update(source_type=values[0], source_id=values[1],
                                               object_type=values[2], object_id=values[3])


def carry_back(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # The links are checked now, not at commit: the constraints added next need no
        # pending checks on the table.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    entry = apps.get_model("archive", "ArchiveEntry")
    for row in entry.objects.all():
        links = {"document_id": None, "delivery_id": None, "approval_id": None}
        if row.source_type == "delivery":
            links.update(delivery_id=row.source_id, document_id=row.object_id)
        elif row.source_type == "document":
            links.update(document_id=row.source_id)
        elif row.source_type == "approval":
            links.update(approval_id=row.source_id)
        entry.objects.filter(id=row.id).update(**links)


class Migration(migrations.Migration):

    dependencies = [
        ("archive", "0002_cursor"),
    ]

    operations = [
        migrations.AddField(model_name="archiveentry", name="source_type",
                            field=models.CharField(default="", max_length=32), preserve_default=False),
        migrations.AddField(model_name="archiveentry", name="source_id",
                            field=models.BigIntegerField(null=True)),
        migrations.AddField(model_name="archiveentry", name="object_type",
                            field=models.CharField(default="", max_length=32), preserve_default=False),
        migrations.AddField(model_name="archiveentry", name="object_id",
                            field=models.BigIntegerField(null=True)),
        migrations.RunPython(carry_over, migrations.RunPython.noop),
        migrations.AlterField(model_name="archiveentry", name="source_id",
                              field=models.BigIntegerField()),
        migrations.AlterField(model_name="archiveentry", name="object_id",
                              field=models.BigIntegerField()),
        migrations.RemoveConstraint(model_name="archiveentry", name="archive_outgoing_once"),
        migrations.RemoveConstraint(model_name="archiveentry", name="archive_entry_source"),
        migrations.RunPython(migrations.RunPython.noop, carry_back),
        migrations.RemoveField(model_name="archiveentry", name="approval"),
        migrations.RemoveField(model_name="archiveentry", name="delivery"),
        migrations.RemoveField(model_name="archiveentry", name="document"),
        migrations.AlterField(model_name="archiveentry", name="kind",
                              field=models.CharField(max_length=16, verbose_name="类别")),
        migrations.AddConstraint(model_name="archiveentry", constraint=models.UniqueConstraint(
            fields=("source_type", "source_id"), name="archive_source_once")),
        migrations.AddIndex(model_name="archiveentry", index=models.Index(
            fields=["object_type", "object_id"], name="archive_by_object")),
    ]
