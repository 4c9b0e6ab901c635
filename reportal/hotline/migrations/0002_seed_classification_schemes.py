"""The classification schemes reportal ships with. Operators may add, rename or deactivate rows afterwards.

Labels are English msgids, translated at display time (reportal/hotline/locale).
"""

from django.db import migrations
from django.utils.translation import gettext_noop as _

# (key, name, description, kind, required when actionable, [(option key, label), ...])
SCHEMES = [
    (
        "legal_assessment",
        _("Legal assessment"),
        _("INHOPE/ICCAM-style assessment of the content."),
        "single",
        True,
        [
            ("baseline", _("Baseline: illegal under INTERPOL criteria")),
            ("national", _("Illegal under national law")),
            ("not_illegal", _("Not illegal")),
        ],
    ),
    (
        "uk_category",
        _("UK category"),
        _("Sentencing Council categories."),
        "single",
        False,
        [("A", _("Category A")), ("B", _("Category B")), ("C", _("Category C"))],
    ),
    (
        "age_group",
        _("Youngest child"),
        _("Age group of the youngest child shown."),
        "single",
        False,
        [
            ("infant_toddler", _("Infant or toddler")),
            ("prepubescent", _("Pre-pubescent")),
            ("pubescent", _("Pubescent")),
        ],
    ),
    (
        "gender",
        _("Apparent gender"),
        "",
        "multiple",
        False,
        [("female", _("Female")), ("male", _("Male")), ("unclear", _("Unclear"))],
    ),
    (
        "content_type",
        _("Content type"),
        "",
        "multiple",
        False,
        [
            ("photo", _("Photo")),
            ("video", _("Video")),
            ("drawn_virtual", _("Drawn or virtual")),
            ("ai_generated", _("AI-generated")),
            ("text", _("Text")),
        ],
    ),
    (
        "site_type",
        _("Site type"),
        "",
        "single",
        False,
        [
            ("website", _("Website")),
            ("image_host", _("Image host")),
            ("file_host", _("File host")),
            ("forum", _("Forum")),
            ("social_network", _("Social network")),
            ("blog", _("Blog")),
            ("video_channel", _("Video channel")),
            ("chat", _("Chat")),
            ("search", _("Search")),
            ("redirector", _("Redirector")),
            ("banner_advertising", _("Banner or advertising")),
            ("other", _("Other")),
        ],
    ),
    ("self_generated", _("Self-generated"), _("The child appears to have made the content themselves."), "flag", False, []),
    ("commercial", _("Commercial"), _("The content is sold or used to sell."), "flag", False, []),
]


def seed(apps, schema_editor):
    Scheme = apps.get_model("hotline", "ClassificationScheme")
    Option = apps.get_model("hotline", "ClassificationOption")
    for position, (key, name, description, kind, required, options) in enumerate(SCHEMES):
        scheme, _created = Scheme.objects.update_or_create(
            key=key,
            defaults={
                "name": name,
                "description": description,
                "kind": kind,
                "required_when_actionable": required,
                "position": position,
            },
        )
        for option_position, (option_key, label) in enumerate(options):
            Option.objects.update_or_create(
                scheme=scheme, key=option_key, defaults={"label": label, "position": option_position}
            )


def unseed(apps, schema_editor):
    apps.get_model("hotline", "ClassificationScheme").objects.filter(key__in=[s[0] for s in SCHEMES]).delete()


class Migration(migrations.Migration):
    dependencies = [("hotline", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
