"""CSV onboarding (API.md "Onboarding") and the one-shot import (POST /management/portfolios/upload).

Workflow of an upload (:class:`~portfolios.onboarding.models.OnboardingUpload`):

1. :func:`.services.upload_create` reads the file at once (empty, binary, missing columns, too
   large: a 400 or 413 and nothing stored), stores it with a Job, and queues
   ``portfolios.onboarding_process``.
2. :func:`.processing.upload_process` (the task body) validates every row
   (:mod:`portfolios.csv_import`, then tickers against the security master and the provider:
   :mod:`.validation`): any invalid row -> ``failed`` with the report. Else it enriches: syncs the
   market data of the file's symbols and option underlyings
   (:func:`marketdata.services.market_data_sync`) and the upload becomes ``ready``. A sync failure
   is recorded per symbol (``enrichment``), never fatal: :func:`.services.upload_retry` re-runs it.
3. :func:`.preview.upload_preview` and :func:`.readiness.upload_readiness` read the stored prices
   (:mod:`.prices`; no writes); :mod:`.selectors` has the upload itself, its status and results.
4. :func:`.services.upload_complete` writes the portfolio, tags, positions and cash
   (:mod:`.imports`) in ONE transaction (a failure leaves nothing), with the Job of the first
   batch run, whose task is sent when the transaction commits (:mod:`.batch`).

Re-import (``portfolio_id``): a row updates the portfolio's lot with the same symbol and entry_date
(never a duplicate); other lots are left alone; a row with tags or a strategy replaces that lot's
tags (a row without leaves them); a CASH row replaces the cash balance.

The batch is queued by Celery task *name* (``analytics.batch_portfolios``): portfolios never
imports analytics (only its pure engines, :mod:`analytics.engines`, for the preview's figures).
"""
