from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "bots.documents"
    label = "documents"
    verbose_name = "公文"

    def ready(self) -> None:
        from bots import runtime
        from bots.documents import (
            api_docs,
            archiving,
            cards,
            chain,
            handover,
            search,
            services,
            supervision,
            todo,
        )
        from bots.documents.bot import docbot, dubanbot
        from hub.chat import cards as card_registry

        runtime.register_bot(docbot)
        runtime.register_bot(dubanbot)
        card_registry.register(cards.CARD_TYPE, services.on_document_card)
        card_registry.register(cards.TRACKING_CARD_TYPE, services.on_tracking_card)
        card_registry.register(cards.DRAFT_CARD_TYPE, chain.on_draft_card)
        supervision.register()
        archiving.register_kinds()
        todo.register()
        api_docs.register()
        search.register()
        handover.register()
