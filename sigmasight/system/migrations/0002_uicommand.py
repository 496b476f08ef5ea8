# UICommand moves from the accounts app to this one (label "jobs"): state only, the table
# accounts_uicommand and its rows stay where they are (accounts.0003_move_uicommand drops the old
# state). The model's content type is relabelled so its admin permissions follow it.

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models


def relabel_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="jobs", model="uicommand").exists():
        ContentType.objects.filter(app_label="accounts", model="uicommand").update(app_label="jobs")


def unlabel_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="accounts", model="uicommand").exists():
        ContentType.objects.filter(app_label="jobs", model="uicommand").update(app_label="accounts")


class Migration(migrations.Migration):

    dependencies = [
        ('jobs', '0001_initial'),
        ('accounts', '0002_uicommand'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='UICommand',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('action', models.CharField(choices=[('navigate', 'Navigate'), ('highlight', 'Highlight'), ('filter', 'Filter')], max_length=16)),
                        ('target', models.CharField(help_text='What to act on: a route, a widget, a symbol...', max_length=200)),
                        ('params', models.JSONField(blank=True, default=dict)),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('delivered_at', models.DateTimeField(blank=True, null=True)),
                        ('owner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='ui_commands', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'accounts_uicommand',
                        'ordering': ['created_at', 'id'],
                        'indexes': [models.Index(fields=['owner', 'delivered_at', 'created_at'], name='uicommand_pending')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(relabel_content_type, unlabel_content_type),
    ]
