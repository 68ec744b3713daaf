"""The ASGI application: Django for HTTP, the chat consumer for `/ws/v1/`."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import path  # noqa: E402

from hub.chat.consumers import ChatConsumer  # noqa: E402
from hub.lib import daphne as daphne_limits  # noqa: E402
from hub.lib import gcfreeze  # noqa: E402
from hub.lib.asgi import BodySizeLimit, OriginCheck  # noqa: E402

# Body and frame limits enforced while Daphne reads (see hub/lib/daphne.py).
daphne_limits.install()

websocket_urlpatterns = [path("ws/v1/", ChatConsumer.as_asgi())]

application = ProtocolTypeRouter({
    "http": BodySizeLimit(django_asgi_app),
    # A browser always sends Origin; one from a host we do not serve is refused at the
    # handshake. Clients that send no Origin (bots, the bridge) authenticate by token. The
    # consumer resolves the token or the session cookie itself, in its one trip to the
    # database (Channels' auth stack took two more, on the thread SQLite's work shares).
    "websocket": OriginCheck(URLRouter(websocket_urlpatterns)),
})

if settings.HUITONG_GC_FREEZE:
    # The start-up heap out of full collections: see hub/lib/gcfreeze.py.
    gcfreeze.freeze_startup_heap()
