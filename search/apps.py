from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    label = "search"
    verbose_name = "检索"

    def ready(self) -> None:
        from hub.core import routes, worker
        from search import api_docs, indexer, library, registry, sources, urls

        registry.register_source(registry.Source(
            kind="message", label="消息", names=("messages", "msg"), build=sources.messages,
            count=sources.count_messages, cards=sources.message_cards))
        # The library is the core's too: its files are found as `type:文件`.
        library.register()
        routes.add_api(urls.urlpatterns)
        # Every half second: changes reach the index well within the 2 s goal.
        worker.register("search.index", indexer.run_worker_turn, every=0.5)
        api_docs.register()
