from django.apps import AppConfig


class MatrixConfig(AppConfig):
    name = "integrations.matrix"
    label = "matrix"
    verbose_name = "Matrix 桥接"

    def ready(self) -> None:
        from hub.chat import actions
        from hub.core import openapi, routes
        from integrations.matrix import api_docs, hooks, urls

        routes.add_api(urls.urlpatterns)
        actions.register_change_hook(hooks.on_change)
        openapi.add_paths(api_docs.PATHS, models=api_docs.MODELS)
