from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "bots.notices"
    label = "notices"
    verbose_name = "通知公告"

    def ready(self) -> None:
        from bots import runtime
        from bots.notices import api_docs, cards, services, todo, urls
        from bots.notices.bot import noticebot
        from hub.chat import cards as card_registry
        from hub.core import routes, worker

        runtime.register_bot(noticebot)
        card_registry.register(cards.CARD_TYPE, services.on_notice_card)
        card_registry.register(cards.TRACKING_CARD_TYPE, services.on_tracking_card)
        services.register_jobs()
        todo.register()
        worker.register("notices.refresh", services.refresh_pending, every=1.0)
        routes.add_api(urls.urlpatterns)
        api_docs.register()
