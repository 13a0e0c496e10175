"""An ASGI factory for servers that import the app by name (``tanji serve --workers N``).

Reads the data directory and database from ``TANJI_HOME`` and ``TANJI_DB``
(set by ``tanji serve`` before it starts the workers).
"""

from __future__ import annotations

import os

from fastapi import FastAPI

from api.app import create_app
from api.settings import Settings
from ledger import tanji_home


def create_from_env() -> FastAPI:
    """The app for ``$TANJI_HOME`` / ``$TANJI_DB``; passphrase from ``$TANJI_KEY_PASSPHRASE``."""
    passphrase = os.environ.get("TANJI_KEY_PASSPHRASE")
    return create_app(
        Settings.from_home(
            tanji_home(), os.environ.get("TANJI_DB"), passphrase=passphrase.encode() if passphrase else None
        )
    )
