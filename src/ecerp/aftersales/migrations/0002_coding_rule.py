"""Coding rule of after-sales cases: AS + YYYYMMDD + 5 digits."""

from django.db import migrations


def create_rule(apps, schema_editor):
    CodingRule = apps.get_model("core", "CodingRule")
    CodingRule.objects.get_or_create(target="aftersales_case", defaults=dict(
        name="售后单", kind="sequence", prefix="AS", date_part="%Y%m%d", sequence_length=5))


class Migration(migrations.Migration):
    dependencies = [("aftersales", "0001_initial"), ("core", "0001_initial")]

    operations = [migrations.RunPython(create_rule, migrations.RunPython.noop)]
