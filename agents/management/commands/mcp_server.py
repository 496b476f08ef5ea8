"""``manage.py mcp_server --user EMAIL`` (or ``--token ss_pat_...``): the MCP tools over stdio.

For a local agent client (Claude Desktop, an IDE): it starts this command and speaks JSON-RPC on
its stdin/stdout. ``--user`` serves that user with write access (whoever can run manage.py owns
the database anyway); ``--token`` serves the token's owner with the token's scope (a revoked or
expired token is refused at start).
"""

from __future__ import annotations

from typing import Any

import anyio
from django.core.management.base import BaseCommand, CommandError, CommandParser
from mcp.server.stdio import stdio_server
from rest_framework.exceptions import AuthenticationFailed

from accounts.models import User
from accounts.personal_tokens import personal_token_authenticate, request_can_write
from agents.server import build_server, current_principal
from agents.tools import Principal


class Command(BaseCommand):
    help = "Serve the SigmaSight MCP tools over stdio for one user (--user EMAIL or --token TOKEN)."

    def add_arguments(self, parser: CommandParser) -> None:
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--user", help="Email of the user to serve (write access).")
        who.add_argument("--token", help="A personal access token (its owner and scope).")

    def handle(self, *args: Any, **options: Any) -> None:
        current_principal.set(self._principal(options))
        anyio.run(self._serve)

    def _principal(self, options: dict[str, Any]) -> Principal:
        if options["token"]:
            try:
                token = personal_token_authenticate(options["token"])
            except AuthenticationFailed as exc:
                raise CommandError(str(exc.detail)) from exc
            return Principal(user=token.owner, can_write=request_can_write(token))
        user = User.objects.filter(email__iexact=options["user"].strip(), is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {options['user']!r}.")
        return Principal(user=user, can_write=True)

    async def _serve(self) -> None:
        server = build_server()
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())
