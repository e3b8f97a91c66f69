"""Load the canonical tag taxonomy into comments.Tag (idempotent; later codes come in later migrations)."""

from django.db import migrations

from insights.taxonomy import TAXONOMY


def load_taxonomy(apps, schema_editor):
    Tag = apps.get_model("comments", "Tag")
    for code, description in TAXONOMY.items():
        Tag.objects.update_or_create(
            code=code, defaults={"description": description, "origin": "taxonomy"}
        )


class Migration(migrations.Migration):
    dependencies = [("insights", "0001_initial"), ("comments", "0002_text_search_indexes")]
    operations = [migrations.RunPython(load_taxonomy, migrations.RunPython.noop)]
