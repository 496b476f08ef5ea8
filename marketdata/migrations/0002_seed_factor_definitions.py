"""Seeds the factor model of data/factor_model.csv (7 factors, one ETF each, plus 4 macro series)."""

from django.db import migrations

FACTORS = [
    # name, etf, kind, vol, description, calculation_method
    ("Market", "SPY", "market", 0.17, "US large-cap equity market",
     "SPY daily simple return (adjusted close)."),
    ("Value", "VTV", "style", 0.16, "US large-cap value",
     "VTV daily return minus SPY daily return (spread over the market)."),
    ("Growth", "VUG", "style", 0.21, "US large-cap growth",
     "VUG daily return minus SPY daily return (spread over the market)."),
    ("Momentum", "MTUM", "style", 0.19, "US momentum",
     "MTUM daily return minus SPY daily return (spread over the market)."),
    ("Quality", "QUAL", "style", 0.17, "US quality",
     "QUAL daily return minus SPY daily return (spread over the market)."),
    ("Size", "IWM", "style", 0.22, "US small caps (Russell 2000)",
     "IWM daily return minus SPY daily return (spread over the market)."),
    ("Low Volatility", "USMV", "style", 0.13, "US minimum volatility",
     "USMV daily return minus SPY daily return (spread over the market)."),
    ("Interest Rate", "DGS10", "macro", None, "10-year Treasury yield",
     "Daily change of the 10-year Treasury yield in decimal (0.0025 = +25bp)."),
    ("Oil", "USO", "macro", 0.35, "Crude oil ETF", "USO daily simple return."),
    ("International", "EWG", "macro", 0.20, "German equities ETF (DAX scenarios)", "EWG daily simple return."),
    ("Volatility", "VIX", "macro", None, "CBOE volatility index",
     "Relative daily change of the VIX level; implied vols scale with it in scenarios."),
]


def seed(apps, schema_editor):
    FactorDefinition = apps.get_model("marketdata", "FactorDefinition")
    for order, (name, etf, kind, vol, description, method) in enumerate(FACTORS, start=1):
        FactorDefinition.objects.update_or_create(
            name=name,
            defaults={
                "etf_symbol": etf,
                "kind": kind,
                "annual_volatility_approx": vol,
                "description": description,
                "calculation_method": method,
                "display_order": order,
                "is_active": True,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("marketdata", "FactorDefinition").objects.filter(name__in=[f[0] for f in FACTORS]).delete()


class Migration(migrations.Migration):
    dependencies = [("marketdata", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
