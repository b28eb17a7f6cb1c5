"""The collection entries' unique index leads with the STIX id, so it also serves lookups
by id and the separate index on the id goes (one index keyed by random ids, not two)."""

from django.db import migrations, models


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
            name='sharing_tax_stix_id_0954e9_idx',
        ),
        migrations.AddConstraint(
            model_name='taxiientry',
            constraint=models.UniqueConstraint(fields=('stix_id', 'collection', 'version'), name='taxii_entry_once'),
        ),
    ]
