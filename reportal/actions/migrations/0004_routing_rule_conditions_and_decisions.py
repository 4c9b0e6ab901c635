"""Routing rules with conditions (hosting countries, content class, portal country) tried in priority order, and
the decision stored per item. Existing rules keep their country as their one hosting-country condition; the rule
without a country becomes the fallback (tried last); the sample ICCAM and NCMEC rules are added (inert until those
clients are configured)."""

import django.db.models.deletion
from django.db import migrations, models

FALLBACK_PRIORITY = 1000


def to_conditions(apps, schema_editor):
    from reportal.actions.routing import sample_rules

    rule_model = apps.get_model("actions", "RoutingRule")
    samples = {str(row.get("hosting_countries", "")).upper(): row for row in sample_rules()}
    for rule in rule_model.objects.all():
        code = rule.country_code.upper()
        sample = samples.get(code, {})
        rule.hosting_countries = code
        rule.priority = FALLBACK_PRIORITY if not code else int(sample.get("priority", 100))
        rule.name = str(sample.get("name", ""))[:120] or (f"Hosted in {code}" if code else "Fallback")
        rule.save()


def add_network_rules(apps, schema_editor):
    from reportal.actions.routing import sample_rules

    rule_model = apps.get_model("actions", "RoutingRule")
    fields = {f.name for f in rule_model._meta.get_fields()} - {"id"}
    for row in sample_rules():
        if row["action"] in ("iccam", "ncmec") and not rule_model.objects.filter(name=row["name"]).exists():
            rule_model.objects.create(**{k: v for k, v in row.items() if k in fields})


class Migration(migrations.Migration):
    dependencies = [
        ("actions", "0003_alter_notice_state"),
        ("reports", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="routingrule",
            options={"ordering": ["priority", "pk"]},
        ),
        migrations.AddField(
            model_name="routingrule",
            name="content_class",
            field=models.CharField(
                blank=True,
                help_text="A classification as scheme:option (for example legal_assessment:baseline); empty: any.",
                max_length=82,
            ),
        ),
        migrations.AddField(
            model_name="routingrule",
            name="hosting_countries",
            field=models.CharField(
                blank=True,
                help_text="ISO 3166-1 alpha-2 codes of hosting countries, separated by spaces or commas; empty: any.",
                max_length=800,
            ),
        ),
        migrations.AddField(
            model_name="routingrule",
            name="name",
            field=models.CharField(blank=True, help_text="Shown with every decision the rule makes.", max_length=120),
        ),
        migrations.AddField(
            model_name="routingrule",
            name="portal_country",
            field=models.CharField(
                blank=True, help_text="Only reports made on this country's portal; empty: any.", max_length=2
            ),
        ),
        migrations.AddField(
            model_name="routingrule",
            name="priority",
            field=models.PositiveIntegerField(default=100, help_text="Rules are tried from the lowest number up."),
        ),
        migrations.RunPython(to_conditions, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="routingrule",
            name="country_code",
        ),
        migrations.AlterField(
            model_name="routingrule",
            name="action",
            field=models.CharField(
                choices=[
                    ("iccam", "Refer to the hosting country's hotline through ICCAM"),
                    ("ncmec", "Report to NCMEC's CyberTipline"),
                    ("partner", "Refer to the partner hotline of the hosting country"),
                    ("host_and_police", "Notice to the host and referral to the police"),
                    ("host", "Notice to the host"),
                    ("police", "Referral to the police"),
                ],
                max_length=16,
            ),
        ),
        migrations.CreateModel(
            name="RouteDecision",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("decided_at", models.DateTimeField(auto_now_add=True)),
                (
                    "action",
                    models.CharField(
                        choices=[
                            ("iccam", "Refer to the hosting country's hotline through ICCAM"),
                            ("ncmec", "Report to NCMEC's CyberTipline"),
                            ("partner", "Refer to the partner hotline of the hosting country"),
                            ("host_and_police", "Notice to the host and referral to the police"),
                            ("host", "Notice to the host"),
                            ("police", "Referral to the police"),
                        ],
                        max_length=16,
                    ),
                ),
                (
                    "rule_name",
                    models.CharField(blank=True, help_text="The rule's name when it decided.", max_length=120),
                ),
                ("rule_number", models.PositiveIntegerField(blank=True, null=True)),
                ("basis", models.CharField(help_text="rule, fallback, own_country or none.", max_length=16)),
                ("hosting_country", models.CharField(blank=True, max_length=2)),
                ("portal_country", models.CharField(blank=True, max_length=2)),
                ("matched", models.JSONField(blank=True, default=list, help_text="The conditions that held.")),
                (
                    "skipped",
                    models.JSONField(
                        blank=True, default=list, help_text="Earlier rules whose route is not configured."
                    ),
                ),
                (
                    "item",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="route_decisions",
                        to="reports.reportedurl",
                    ),
                ),
                (
                    "rule",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="actions.routingrule",
                    ),
                ),
            ],
            options={
                "ordering": ["decided_at", "pk"],
            },
        ),
        migrations.RunPython(add_network_rules, migrations.RunPython.noop),
    ]
