"""The mapping of reportal's seeded classification schemes to ICCAM's codes (INHOPE's lists as member hotlines'
clients use them). Operators edit the rows in the admin; `reportal iccam lookups` fetches ICCAM's current lists,
and a mapped code missing from them is refused before anything is sent."""

from django.db import migrations

# (ICCAM list, ICCAM code, our scheme, our option); an empty scheme is the list's default ("not determined").
ROWS = [
    ("classifications", "1", "legal_assessment", "baseline"),
    ("classifications", "2", "legal_assessment", "national"),
    ("classifications", "4", "legal_assessment", "not_illegal"),
    ("age-categories", "1", "", ""),
    ("age-categories", "2", "age_group", "infant_toddler"),
    ("age-categories", "3", "age_group", "prepubescent"),
    ("age-categories", "4", "age_group", "pubescent"),
    ("gender-categories", "1", "", ""),
    ("gender-categories", "1", "gender", "unclear"),
    ("gender-categories", "2", "gender", "female"),
    ("gender-categories", "3", "gender", "male"),
    ("gender-categories", "4", "gender", "female+male"),
    ("site-types", "2", "", ""),
    ("site-types", "2", "site_type", "website"),
    ("site-types", "3", "site_type", "file_host"),
    ("site-types", "6", "site_type", "forum"),
    ("site-types", "7", "site_type", "banner_advertising"),
    ("site-types", "9", "site_type", "social_network"),
    ("site-types", "10", "site_type", "redirector"),
    ("site-types", "18", "site_type", "search"),
    ("site-types", "20", "site_type", "image_host"),
    ("site-types", "22", "site_type", "blog"),
    ("commercialities", "1", "", ""),
    ("commercialities", "2", "commercial", "yes"),
    ("commercialities", "3", "commercial", "no"),
    ("payment-methods", "1", "", ""),
]


def seed(apps, schema_editor):
    Mapping = apps.get_model("iccam", "Mapping")
    for kind, code, scheme, option in ROWS:
        Mapping.objects.update_or_create(kind=kind, scheme=scheme, option=option, defaults={"code": code})


def unseed(apps, schema_editor):
    apps.get_model("iccam", "Mapping").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("iccam", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
