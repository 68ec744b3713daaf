"""Bots: the runtime (commands, cards, scheduled jobs) and one package per bot.

A bot is a user plus a handler. A plugin is a Django app whose AppConfig.ready() registers
its bots (with their commands), its card handlers and its job kinds with `bots.runtime` and
`bots.jobs`; the core never imports anything from here.
"""
