"""``--config FILE``, shared by the commands that read the gateway's settings (`dlp quarantine`,
`dlp web`, `dlp audit`): one home, so that no command module imports another's helpers."""

from __future__ import annotations

import argparse

CONFIG_HELP = "the gateway's TOML file (default: embedded defaults)"


def add_config_option(
    parser: argparse.ArgumentParser, actions: argparse._SubParsersAction[argparse.ArgumentParser]
) -> None:
    """``--config FILE`` before or after the action (``dlp web --config F serve`` and ``dlp web
    serve --config F`` read the same file): the same settings the gateway runs on, so the
    store, its key and its retention are the gateway's. Call once every action is added."""
    parser.add_argument("--config", help=CONFIG_HELP)
    for action in dict.fromkeys(actions.choices.values()):
        # SUPPRESS: an action that is not given --config leaves the one before it standing.
        action.add_argument("--config", default=argparse.SUPPRESS, help=CONFIG_HELP)
