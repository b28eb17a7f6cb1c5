"""Collection entries belong to the record that publishes them (`source_key`): an object
several records share has an entry for each, with each one's audience.

Entries made before kept one entry per object and collection, the widest record's: the others
owned none, and would lose the object when that record dropped it. So every report is
published again on the next read (`publish.sync_reports`), each getting its own entries."""

from django.db import migrations, models
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat


def name_sources(apps, schema_editor):
    TaxiiEntry = apps.get_model("sharing", "TaxiiEntry")
    PublishedReport = apps.get_model("sharing", "PublishedReport")
    alias = schema_editor.connection.alias
    entries = TaxiiEntry.objects.using(alias)
    # Two set-based updates, not one per row: a collection holds hundreds of thousands.
    entries.filter(source_report__isnull=False).update(source_key=Concat(
        Value("report:"), Cast("source_report_id", CharField())))
    entries.filter(source_report__isnull=True).update(source_key=Concat(
        Value("object:"), Cast("source_object_id", CharField())))
    PublishedReport.objects.using(alias).all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ('sharing', '0008_taxii_entry_keys'),
    ]

    operations = [
        migrations.AddField(
            model_name='taxiientry',
            name='source_key',
            field=models.CharField(default='', max_length=120),
            preserve_default=False,
        ),
        migrations.RunPython(name_sources, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name='taxiientry',
            name='taxii_entry_once',
        ),
        migrations.AddConstraint(
            model_name='taxiientry',
            constraint=models.UniqueConstraint(
                fields=('stix_id', 'collection', 'version', 'source_key'),
                name='taxii_entry_once'),
        ),
    ]
