"""Coding rules of the inventory documents: QR (other receipt), QC (other issue), DB (transfer), PD (stocktake)."""

from django.db import migrations

RULES = {
    "stock_receipt": ("其他入库单", "QR"),
    "stock_issue": ("其他出库单", "QC"),
    "transfer": ("调拨单", "DB"),
    "stocktake": ("盘点单", "PD"),
}


def create_rules(apps, schema_editor):
    CodingRule = apps.get_model("core", "CodingRule")
    for target, (name, prefix) in RULES.items():
        CodingRule.objects.get_or_create(target=target, defaults=dict(
            name=name, kind="sequence", prefix=prefix, date_part="%Y%m%d", sequence_length=4))


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_initial"), ("core", "0001_initial")]

    operations = [migrations.RunPython(create_rules, migrations.RunPython.noop)]
