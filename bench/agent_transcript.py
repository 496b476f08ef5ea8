"""Prints the README's sample agent session: the MCP tool calls an agent makes to answer "what is
my worst stress scenario and which positions drive it?" and what the tools answered, run with the
SDK's own client against the seeded demo (the hedge-fund style portfolio) on a throwaway SQLite
database (the same demo setup as bench/reports.py).

Usage:
    .venv/bin/python bench/agent_transcript.py [--database-url sqlite:////tmp/x.sqlite3]

Results are printed as the tools returned them, except that long lists are cut to their first
entries for the page (marked ``"…": "N more"``).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from reports import DEFAULT_URL, demo_setup

SHOWN = 3


def _cut(value: Any, depth: int = 0) -> Any:
    if isinstance(value, list) and len(value) > SHOWN:
        return [_cut(v, depth + 1) for v in value[:SHOWN]] + [{"…": f"{len(value) - SHOWN} more"}]
    if isinstance(value, list):
        return [_cut(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {k: _cut(v, depth + 1) for k, v in value.items()}
    return value


def _show(name: str, arguments: dict[str, Any], result: Any) -> None:
    print(f"→ {name} {json.dumps(arguments)}")
    body = result.structured_content
    print("← " + json.dumps(_cut(body), indent=2, ensure_ascii=False).replace("\n", "\n  "))
    print()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()
    portfolio = demo_setup(args.database_url)

    from asgiref.sync import async_to_sync
    from mcp import Client

    from agents.server import build_server, current_principal
    from agents.tools import Principal

    current_principal.set(Principal(user=portfolio.owner, can_write=True))

    async def session() -> None:
        async with Client(build_server(), mode="legacy") as client:
            listed = await client.call_tool("list_portfolios", {})
            _show("list_portfolios", {}, listed)
            pid = next(
                p["id"] for p in listed.structured_content["portfolios"] if p["name"] == portfolio.name
            )
            stress = await client.call_tool("run_stress_test", {"portfolio_id": pid})
            print(f"→ run_stress_test {json.dumps({'portfolio_id': pid})}")
            summary = stress.structured_content["summary"]
            print("← (summary first; the 'scenarios' list follows)")
            print("  " + json.dumps({"summary": summary}, indent=2).replace("\n", "\n  "))
            print()
            worst = summary["worst"]["id"]
            args_worst = {"portfolio_id": pid, "scenarios": [worst]}
            detail = await client.call_tool("run_stress_test", args_worst)
            _show("run_stress_test", args_worst, detail)
            drivers = sorted(
                detail.structured_content["scenarios"][0]["by_position"], key=lambda p: p["dollar_impact"]
            )
            symbols = [p["symbol"] for p in drivers[:SHOWN]]
            args_ui = {"target": "portfolio.positions", "params": {"portfolio_id": pid, "symbols": symbols}}
            _show("ui_highlight", args_ui, await client.call_tool("ui_highlight", args_ui))

    async_to_sync(session)()


if __name__ == "__main__":
    main()
