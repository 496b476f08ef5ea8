"""Alert rules, their evaluation after every batch run, and the alerts they raise.

``models`` (imported by :mod:`analytics.models`, app_label ``analytics``), ``selectors`` (reads),
``services`` (rule writes and the evaluation), ``admin`` and ``api`` (the /management/alerts
endpoints).
"""
