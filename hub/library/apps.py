from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "hub.library"
    label = "library"
    verbose_name = "文档管理"

    def ready(self) -> None:
        from hub.core import routes, worker
        from hub.library import actions, api_docs, handover, urls

        routes.add_api(urls.urlpatterns)
        worker.register("library.purge", lambda: actions.purge_bin(), every=600)
        api_docs.register()
        handover.register()
