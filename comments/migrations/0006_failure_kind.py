# Issue 11: whether a failure was transient (retried later by beat) and since when retries run.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("comments", "0005_curator_workbench")]

    operations = [
        migrations.AddField(
            model_name="comment",
            name="failure_kind",
            field=models.CharField(
                blank=True,
                choices=[("", "Nenhuma"), ("transient", "Transitória"), ("permanent", "Permanente")],
                default="",
                db_default="",
                max_length=10,
                verbose_name="tipo de falha",
            ),
        ),
        migrations.AddField(
            model_name="comment",
            name="retrying_since",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="tentando novamente desde"
            ),
        ),
    ]
