from django.apps import AppConfig


class DiscussionsConfig(AppConfig):
    name = "bots.discussions"
    label = "discussions"
    verbose_name = "征求意见"

    def ready(self) -> None:
        from bots import runtime
        from bots.discussions import api_docs, archiving, services, todo, urls
        from bots.discussions.bot import discussionbot
        from bots.discussions.cards import CARD_TYPE, TRACKING_CARD_TYPE
        from hub.chat import cards as card_registry
        from hub.core import routes

        runtime.register_bot(discussionbot)
        card_registry.register(CARD_TYPE, services.on_unit_card)
        card_registry.register(TRACKING_CARD_TYPE, services.on_tracking_card)
        services.register_jobs()
        todo.register()
        routes.add_api(urls.urlpatterns)
        api_docs.register()
        archiving.register_kind()
