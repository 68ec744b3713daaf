from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "hub.chat"
    label = "chat"
    verbose_name = "即时通"

    def ready(self) -> None:
        from hub.chat import presence, realtime_glue
        from hub.lib import realtime

        realtime.configure(gap_filler=realtime_glue.gap_filler,
                           background=[presence.heartbeat_loop])
