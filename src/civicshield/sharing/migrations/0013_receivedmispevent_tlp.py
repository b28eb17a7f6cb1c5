"""The marking each received MISP event was imported with (`ReceivedMispEvent.tlp`).

A newer version of an event changes its report's marking only when the event's TLP tags
differ from those of the version imported before (docs/misp.md). Rows imported before this
field existed do not know the tags they were imported with: they take their report's present
marking, so an unchanged tag leaves a report an analyst has narrowed as it is, and a changed
one can still only narrow it. Reversing drops the field."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def imported_tlp_from_report(apps, schema_editor):
    ReceivedMispEvent = apps.get_model("sharing", "ReceivedMispEvent")
    Report = apps.get_model("reports", "Report")
    alias = schema_editor.connection.alias
    ReceivedMispEvent.objects.using(alias).update(tlp=Subquery(
        Report.objects.using(alias).filter(pk=OuterRef("report_id")).values("tlp")[:1]))


class Migration(migrations.Migration):

    dependencies = [
        ("sharing", "0012_peer_errors_without_credentials"),
    ]

    operations = [
        migrations.AddField(
            model_name="receivedmispevent",
            name="tlp",
            field=models.CharField(blank=True, choices=[("clear", "TLP:CLEAR"), ("green", "TLP:GREEN"), ("amber", "TLP:AMBER"), ("amber+strict", "TLP:AMBER+STRICT"), ("red", "TLP:RED")], default="", help_text="The marking the imported version's TLP tags gave; empty when it had none. A newer version changes the report's marking only when its tags differ from this, and then only to narrow it (docs/misp.md).", max_length=12),
        ),
        migrations.RunPython(imported_tlp_from_report, migrations.RunPython.noop),
    ]
