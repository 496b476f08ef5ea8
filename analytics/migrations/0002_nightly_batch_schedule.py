"""The one celery-beat entry: the nightly batch after the US close (22:30 UTC, Monday to Friday).

Stored for django-celery-beat's DatabaseScheduler, so staff can change it in the admin.
"""

from django.db import migrations

TASK_NAME = "Nightly batch (all portfolios)"


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    schedule, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="22", day_of_week="1-5", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME,
        defaults={
            "task": "analytics.nightly_batch",
            "crontab": schedule,
            "enabled": True,
            "description": "Runs the 8 batch engines for the last closed NYSE session.",
        },
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create, remove)]
