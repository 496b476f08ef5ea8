"""A batch step keeps its portfolio's name and survives the portfolio's deletion (SET_NULL), so a
finished run's history never changes; existing steps get the name of their portfolio. Also names
PositionGreeks "position greeks" in the admin.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_portfolio_names(apps, schema_editor):
    BatchStep = apps.get_model("analytics", "BatchStep")
    Portfolio = apps.get_model("portfolios", "Portfolio")
    BatchStep.objects.filter(portfolio__isnull=False).update(
        portfolio_name=Subquery(Portfolio.objects.filter(pk=OuterRef("portfolio_id")).values("name")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0007_alerts"),
        ("portfolios", "0002_onboarding"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="positiongreeks",
            options={"verbose_name_plural": "position greeks"},
        ),
        migrations.AddField(
            model_name="batchstep",
            name="portfolio_name",
            field=models.CharField(
                blank=True, default="", help_text="The portfolio's name when the step ran.", max_length=200
            ),
        ),
        migrations.RunPython(fill_portfolio_names, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="batchstep",
            name="portfolio",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="portfolios.portfolio",
            ),
        ),
    ]
