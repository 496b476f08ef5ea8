"""Length limits of text in request bodies (docs/api-conventions.md "Request limits").

Every string a request body may carry has a ``max_length`` in its serializer, so an over-long value
is a 400 ``VALIDATION_ERROR`` naming the field instead of being stored (an 11 MB portfolio
description used to be). Names, symbols and tags carry their own, shorter limits beside their
fields; these are the shared ones. ``sigmasight/tests/test_text_limits.py`` checks that every string
property of every request schema has a ``maxLength``.
"""

from __future__ import annotations

#: Free-text descriptions (portfolios, tags, scenarios).
DESCRIPTION_MAX_LENGTH = 2000
#: Email addresses (RFC 5321: 254 characters in a path).
EMAIL_MAX_LENGTH = 254
#: Passwords, at login and sign-up (long passphrases fit; hashing a megabyte does not happen).
PASSWORD_MAX_LENGTH = 256
#: JWT refresh tokens (~300 characters in practice).
TOKEN_MAX_LENGTH = 2048
