"""Load the sample routing table (data/routing_rules.json); existing rules are left as the operator set them."""

from django.db import migrations


def load(apps, schema_editor):
    from reportal.actions.routing import load_rules, sample_rules

    load_rules(sample_rules(), model=apps.get_model("actions", "RoutingRule"))


class Migration(migrations.Migration):
    dependencies = [("actions", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
