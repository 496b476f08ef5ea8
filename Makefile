PY := .venv/bin/python

.PHONY: run test smoke lint mypy format migrations-check schema bench

run:            ## the embedded default on http://127.0.0.1:8000
	bash bin/run

test:           ## the whole suite (PostgreSQL when available)
	bash bin/test

smoke:          ## the production stack end to end on local PostgreSQL and Redis (docs/deployment.md)
	bash bin/smoke

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	$(PY) -m mypy

mypy:           ## type check of the engines, selectors and services (files and options: mypy.ini)
	$(PY) -m mypy

format:
	.venv/bin/ruff format .

migrations-check:
	$(PY) manage.py makemigrations --check --dry-run

schema:         ## regenerate the committed OpenAPI schema docs/openapi.yml
	$(PY) manage.py spectacular --validate --fail-on-warn --file docs/openapi.yml

bench:
	$(PY) bench/marketdata.py
