"""Shared rows of the export tests: the batched book (built once per module)."""

from __future__ import annotations

import pytest

from exports.tests.book import Book, batched_book


@pytest.fixture(scope="module")
def book(module_db) -> Book:  # type: ignore[no-untyped-def]
    return module_db(batched_book)


@pytest.fixture
def owner_client(book, client_for, db):  # type: ignore[no-untyped-def]
    return client_for(book.owner)
