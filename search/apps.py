from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    label = "search"
    verbose_name = "检索"

    def ready(self) -> None:
        from hub.core import routes, worker
        from search import api_docs, indexer, urls

        routes.add_api(urls.urlpatterns)
        # Every half second: changes reach the index well within the 2 s goal.
        worker.register("search.index", indexer.run_worker_turn, every=0.5)
        api_docs.register()
