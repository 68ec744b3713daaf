from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "hub.core"
    label = "core"
    verbose_name = "核心"

    def ready(self) -> None:
        from hub.core import todo, worker

        # Recount the to-do lists of people whom a large change reached (hub/core/todo.py).
        worker.register("todo.publish", todo.drain, every=0.25)
