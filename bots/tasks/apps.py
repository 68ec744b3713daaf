from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "bots.tasks"
    label = "tasks"
    verbose_name = "督查督办"

    def ready(self) -> None:
        from bots.bulletins import followups as bulletin_followups
        from bots.documents import followups as document_followups
        from bots.tasks import api_docs, archiving, cards, services, todo, urls
        from hub.chat import cards as card_registry
        from hub.core import routes

        card_registry.register(cards.CARD_TYPE, services.on_task_card)
        services.register_jobs()
        todo.register()
        archiving.register_kind()
        document_followups.register(services.on_document_follow_up)
        bulletin_followups.register(services.on_bulletin_follow_up)
        routes.add_api(urls.urlpatterns)
        api_docs.register()
