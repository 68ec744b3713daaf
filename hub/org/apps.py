from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "hub.org"
    label = "org"
    verbose_name = "单位与人员"

    def ready(self) -> None:
        from hub.org import api_docs

        api_docs.register()
