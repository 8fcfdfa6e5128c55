"""Load the reference rows shipped with ECERP (ecerp.customs.reference_data); existing rows are kept."""

from django.db import migrations


def load_reference_data(apps, schema_editor):
    from ecerp.customs import reference_data

    reference_data.load(apps)


class Migration(migrations.Migration):

    dependencies = [("customs", "0001_initial")]

    operations = [migrations.RunPython(load_reference_data, migrations.RunPython.noop)]
