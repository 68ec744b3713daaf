from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "bots.stats"
    label = "stats"
    verbose_name = "统计"

    def ready(self) -> None:
        from bots.stats import api_docs, rollup, urls
        from hub.core import routes, worker

        worker.register("stats.rollup", rollup.turn, every=5.0)
        routes.add_api(urls.urlpatterns)
        api_docs.register()
