"""The application the browser tests serve: the product plus the test bot."""

from __future__ import annotations

from hub.asgi import application
from tests.e2e import testbot

testbot.install()

__all__ = ["application"]
