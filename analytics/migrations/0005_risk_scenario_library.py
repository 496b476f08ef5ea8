"""Seeds the stress-scenario library (data/stress_scenarios.csv, 30 scenarios) as built-in scenarios.

Shocks are in the stress variables' units (analytics.models.risk): factor and ETF moves as
fractions, Interest Rate as a decimal change of the 10-year yield, Volatility as the relative
change of the VIX. Rerunning the migration updates the rows in place (staff edits to a built-in
scenario are overwritten only by this migration, never by the batch).
"""

from django.db import migrations

# (id, name, category, shocks, window, source): the rows of data/stress_scenarios.csv, in order.
LIBRARY = [
    ('market_up_5', 'Market Rally 5%', 'market', {'Market': 0.05}, '', 'hypothetical'),
    ('market_down_5', 'Market Decline 5%', 'market', {'Market': -0.05}, '', 'hypothetical'),
    ('market_up_10', 'Market Rally 10%', 'market', {'Market': 0.1}, '', 'hypothetical'),
    ('market_down_10', 'Market Decline 10%', 'market', {'Market': -0.1}, '', 'hypothetical'),
    ('market_up_20', 'Market Rally 20%', 'market', {'Market': 0.2}, '', 'hypothetical'),
    ('market_down_20', 'Market Decline 20%', 'market', {'Market': -0.2}, '', 'hypothetical'),
    ('market_rally_25', 'Market Rally 25%', 'market', {'Market': 0.25}, '', 'hypothetical'),
    ('market_crash_35', 'Market Crash 35%', 'market', {'Market': -0.35}, '', 'hypothetical'),
    ('rates_up_25bp', 'Rates Up 25bp', 'rates', {'Interest Rate': 0.0025}, '', 'hypothetical'),
    ('rates_down_25bp', 'Rates Down 25bp', 'rates', {'Interest Rate': -0.0025}, '', 'hypothetical'),
    ('rates_up_100bp', 'Rates Up 100bp', 'rates', {'Interest Rate': 0.01}, '', 'hypothetical'),
    ('rates_down_100bp', 'Rates Down 100bp', 'rates', {'Interest Rate': -0.01}, '', 'hypothetical'),
    ('rates_up_200bp', 'Rates Up 200bp', 'rates', {'Interest Rate': 0.02}, '', 'hypothetical'),
    ('rates_down_200bp', 'Rates Down 200bp', 'rates', {'Interest Rate': -0.02}, '', 'hypothetical'),
    ('rate_spike_300bp', 'Rate Spike 300bp', 'rates', {'Interest Rate': 0.03}, '', 'hypothetical'),
    ('oil_up_5', 'Oil Up 5%', 'commodities', {'Oil': 0.05}, '', 'hypothetical'),
    ('oil_down_5', 'Oil Down 5%', 'commodities', {'Oil': -0.05}, '', 'hypothetical'),
    ('dax_up_10', 'DAX Up 10%', 'international', {'International': 0.1}, '', 'hypothetical'),
    ('dax_down_10', 'DAX Down 10%', 'international', {'International': -0.1}, '', 'hypothetical'),
    ('value_rotation', 'Value Rotation', 'rotation', {'Value': 0.1, 'Growth': -0.1}, '', 'hypothetical'),
    ('growth_rally', 'Growth Rally', 'rotation', {'Growth': 0.08, 'Momentum': 0.05}, '', 'hypothetical'),
    ('small_cap_outperformance_10', 'Small Cap Outperformance 10%', 'rotation', {'Size': 0.1}, '', 'hypothetical'),
    ('quality_flight', 'Flight to Quality', 'rotation', {'Quality': 0.05, 'Market': -0.05}, '', 'hypothetical'),
    ('vix_spike_150', 'VIX Spike 150%', 'volatility', {'Market': -0.15, 'Low Volatility': 0.05, 'Volatility': 1.5}, '', 'hypothetical'),
    ('liquidity_crisis', 'Liquidity Crisis', 'volatility', {'Market': -0.2, 'Low Volatility': 0.05, 'Quality': 0.05, 'Size': -0.08, 'Volatility': 1.0}, '', 'hypothetical'),
    ('black_monday_1987', 'Black Monday 1987', 'historical', {'Market': -0.205, 'Volatility': 1.5}, '1987-10-16 to 1987-10-19', 'S&P 500 -20.5% on 1987-10-19 (DJIA -22.6%); style spreads not shocked'),
    ('dotcom_crash_2000', 'Dot-com Crash 2000-2002', 'historical', {'Market': -0.49, 'Growth': -0.1, 'Value': 0.2, 'Momentum': -0.1, 'Quality': 0.1}, '2000-03-24 to 2002-10-09', 'S&P 500 1527.46 to 776.76 (-49%); style spreads approximate'),
    ('financial_crisis_2008', 'Global Financial Crisis 2008', 'historical', {'Market': -0.46, 'Value': -0.1, 'Size': -0.05, 'Quality': 0.05, 'Low Volatility': 0.1, 'Interest Rate': -0.0085, 'Oil': -0.53, 'Volatility': 0.9}, '2008-09-12 to 2009-03-09', 'S&P 500 1251.70 to 676.53 (-46%); 10-year yield 3.72% to 2.87%; spreads approximate'),
    ('covid_crash_2020', 'COVID-19 Crash 2020', 'historical', {'Market': -0.339, 'Growth': 0.05, 'Value': -0.08, 'Size': -0.1, 'Quality': 0.03, 'Interest Rate': -0.008, 'Oil': -0.57, 'Volatility': 3.0}, '2020-02-19 to 2020-03-23', 'S&P 500 3386.15 to 2237.40 (-33.9%); VIX close 82.69 on 2020-03-16; 10-year 1.56% to 0.76%'),
    ('rates_shock_2022', '2022 Rates and Inflation Shock', 'historical', {'Market': -0.25, 'Growth': -0.1, 'Value': 0.15, 'Interest Rate': 0.023, 'Oil': 0.15}, '2022-01-03 to 2022-10-12', 'S&P 500 4796.56 to 3577.03 (-25.4%); 10-year 1.63% to about 3.95%'),
]


def _move(name, value):
    if name == "Interest Rate":
        return f"{name} {value * 10000:+.0f}bp"
    if name in ("Value", "Growth", "Momentum", "Quality", "Size", "Low Volatility"):
        return f"{name} {value * 100:+g}% vs SPY"
    if name == "Volatility":
        return f"VIX {value * 100:+g}%"
    return f"{name} {value * 100:+g}%"


def describe(shocks, window, source):
    moves = ", ".join(_move(k, v) for k, v in shocks.items())
    text = f"Shocks: {moves}. Unshocked factors move by their conditional expectation (EWMA covariance)."
    if window:
        text = f"Historical replay {window}: {source}. " + text
    return text


def seed(apps, schema_editor):
    StressScenario = apps.get_model("analytics", "StressScenario")
    for order, (slug, name, category, shocks, window, source) in enumerate(LIBRARY, start=1):
        StressScenario.objects.update_or_create(
            id=slug,
            defaults={
                "name": name,
                "category": category,
                "shocks": shocks,
                "window": window,
                "source": source,
                "description": describe(shocks, window, source),
                "is_builtin": True,
                "owner": None,
                "is_active": True,
                "display_order": order * 10,
            },
        )


def unseed(apps, schema_editor):
    StressScenario = apps.get_model("analytics", "StressScenario")
    StressScenario.objects.filter(id__in=[row[0] for row in LIBRARY], is_builtin=True).delete()


class Migration(migrations.Migration):
    dependencies = [("analytics", "0004_risk_models")]

    operations = [migrations.RunPython(seed, unseed)]
