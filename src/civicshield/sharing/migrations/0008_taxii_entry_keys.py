"""Collection entries: the unique index on (id, collection, version) leads with the STIX id
and so also serves lookups by id (the separate index on the id goes: one index keyed by
random ids, not two); `date_added` is unique within a collection and alone is the keyset."""

from datetime import timedelta

from django.db import migrations, models
from django.db.models import Count


def separate_equal_dates(apps, schema_editor):
    """Entries were dated from one series for every collection, so no two in a collection
    share a date; should any (an older installation), later ones move on by microseconds."""
    TaxiiEntry = apps.get_model("sharing", "TaxiiEntry")
    alias = schema_editor.connection.alias
    clashes = (TaxiiEntry.objects.using(alias).values("collection", "date_added")
               .annotate(rows=Count("id")).filter(rows__gt=1))
    for collection in sorted({clash["collection"] for clash in clashes}):
        previous = None
        for entry in TaxiiEntry.objects.using(alias).filter(collection=collection).order_by(
                "date_added", "id").only("id", "date_added"):
            if previous is not None and entry.date_added <= previous:
                entry.date_added = previous + timedelta(microseconds=1)
                entry.save(update_fields=["date_added"])
            previous = entry.date_added


class Migration(migrations.Migration):

    dependencies = [
        ('sharing', '0007_instanceidentity'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='taxiientry',
            name='taxii_entry_once',
        ),
        migrations.RemoveIndex(
            model_name='taxiientry',
            name='sharing_tax_collect_9454fa_idx',
        ),
        migrations.RemoveIndex(
            model_name='taxiientry',
            name='sharing_tax_stix_id_0954e9_idx',
        ),
        migrations.AddConstraint(
            model_name='taxiientry',
            constraint=models.UniqueConstraint(fields=('stix_id', 'collection', 'version'),
                                               name='taxii_entry_once'),
        ),
        migrations.RunPython(separate_equal_dates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='taxiientry',
            constraint=models.UniqueConstraint(fields=('collection', 'date_added'),
                                               name='taxii_entry_added_once'),
        ),
    ]
