"""`python -m tests.bots.worker_main`: the real worker loop with the test job kind loaded."""

from __future__ import annotations

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
django.setup()

import tests.bots.jobplugin  # noqa: E402,F401 - registers the job kind
from hub.core import worker  # noqa: E402

worker.run(tick=0.05)
