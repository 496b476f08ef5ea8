"""gunicorn's configuration, read from the working directory by default (the Dockerfile, compose and
bin/smoke all start gunicorn from the repository root). docs/api-conventions.md "Request limits".

gunicorn parses the request line and headers before Django sees the request, so its refusals are
its own plain HTML pages, not the API envelope: 414 URI Too Long for a request line over
``limit_request_line``, 431 Request Header Fields Too Large for more than ``limit_request_fields``
headers or a header over ``limit_request_field_size``, 400 Bad Request for a malformed line.
Everything that reaches the app (bad Host, unknown path, bodies over DATA_UPLOAD_MAX_MEMORY_SIZE)
answers the envelope.
"""

# The request line (method + path + query + protocol): gunicorn's maximum, so the longest query the
# API documents (~200 comma-separated position UUIDs or symbols) fits; over it: 414.
limit_request_line = 8190
# Headers: at most 100, each at most 8 KB (a JWT Authorization header is ~300 bytes); over: 431.
limit_request_fields = 100
limit_request_field_size = 8190
