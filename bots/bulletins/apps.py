from django.apps import AppConfig


class BulletinsConfig(AppConfig):
    name = "bots.bulletins"
    label = "bulletins"
    verbose_name = "电子刊物"

    def ready(self) -> None:
        from bots import runtime
        from bots.bulletins import api_docs, archiving, cards, search, seeding, services, todo, urls
        from bots.bulletins.bot import bulletinbot
        from hub.chat import cards as card_registry
        from hub.core import routes, worker
        from hub.org import seeding as demo

        runtime.register_bot(bulletinbot)
        card_registry.register(cards.ITEM_CARD, services.on_item_card)
        card_registry.register(cards.REVIEW_CARD, services.on_review_card)
        card_registry.register(cards.ISSUE_CARD, services.on_issue_card)
        card_registry.register(cards.BULLETIN_CARD, services.on_bulletin_card)
        worker.register("bulletins.reads", services.refresh_reads, every=1.0)
        todo.register()
        search.register()
        archiving.register_kind()
        demo.register(seeding.seed)
        routes.add_api(urls.urlpatterns)
        api_docs.register()
