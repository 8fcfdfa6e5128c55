"""Shipment numbers get 7 sequence digits (FH + date + 0000001): 9,999 parcels a day was too few.

Only a rule still at the shipped default (4 digits) is changed; a rule someone edited is left alone.
"""

from django.db import migrations


def widen(apps, schema_editor):
    CodingRule = apps.get_model("core", "CodingRule")
    CodingRule.objects.filter(target="shipment", sequence_length=4).update(sequence_length=7)


class Migration(migrations.Migration):
    dependencies = [("inventory", "0003_shipments"), ("core", "0001_initial")]
    operations = [migrations.RunPython(widen, migrations.RunPython.noop)]
