"""The weekly summary's beat schedule, in django-celery-beat's tables: Monday 08:00 São Paulo.

Kept in the database (not CELERY_BEAT_SCHEDULE) so curators can change the day and time in the
admin (Tarefas periódicas) without a deploy.
"""

from django.db import migrations

TASK_NAME = "Resumo semanal por e-mail"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="8",
        day_of_week="1",
        day_of_month="*",
        month_of_year="*",
        timezone="America/Sao_Paulo",
    )
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": "reports.tasks.weekly_summary_send",
            "crontab": crontab,
            "queue": "reports",
            "description": "Resume a semana anterior e envia o resumo aos destinatários ativos.",
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
