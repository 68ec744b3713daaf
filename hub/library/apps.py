from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "hub.library"
    label = "library"
    verbose_name = "文档管理"

    def ready(self) -> None:
        from hub.core import routes
        from hub.library import api_docs, urls

        routes.add_api(urls.urlpatterns)
        api_docs.register()
