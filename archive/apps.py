from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "archive"
    label = "archive"
    verbose_name = "档案"

    def ready(self) -> None:
        from archive import api_docs, filing, urls
        from hub.core import routes, worker
        from hub.org import seeding

        routes.add_api(urls.urlpatterns)
        worker.register("archive.file", filing.file_recent, every=2.0)
        worker.register("archive.reconcile", filing.file_pending, every=600.0)
        seeding.register(filing.ensure_archivist)
        api_docs.register()
