from django.apps import AppConfig


class BotsConfig(AppConfig):
    name = "bots"
    label = "bots"
    verbose_name = "机器人"

    def ready(self) -> None:
        from bots import jobs, runtime, urls
        from hub.core import routes, worker
        from hub.org import seeding

        routes.add_api(urls.urlpatterns)
        worker.register("bots.jobs", jobs.run_due, every=1.0)
        worker.register("bots.commands", runtime.run_commands, every=0.2)
        seeding.register(runtime.ensure_bot_users)
        runtime.install_help()
