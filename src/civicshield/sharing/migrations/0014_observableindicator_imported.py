"""Which indicator flags an import set (`ObservableIndicator.imported`). Flags held before
this migration cannot tell: they count as an analyst's, which a widening version keeps."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('sharing', '0013_receivedmispevent_tlp'),
    ]

    operations = [
        migrations.AddField(
            model_name='observableindicator',
            name='imported',
            field=models.BooleanField(default=False, help_text="Set by an import, from the sender's indicator: a newer version that widens the report keeps it only if it sends it again (an analyst's own flag stays)."),
        ),
    ]
