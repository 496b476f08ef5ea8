# UICommand moved to the jobs app (sigmasight.system, jobs.0002_uicommand): drop it from this app's
# state only; the table accounts_uicommand and its rows are now the jobs app's.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_uicommand'),
        ('jobs', '0002_uicommand'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='UICommand')],
            database_operations=[],
        ),
    ]
