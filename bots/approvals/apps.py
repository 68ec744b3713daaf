from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "bots.approvals"
    label = "approvals"
    verbose_name = "审批"

    def ready(self) -> None:
        from bots import jobs, runtime
        from bots.approvals import (
            api_docs,
            archiving,
            cards,
            handover,
            reminders,
            search,
            services,
            todo,
            urls,
        )
        from bots.approvals.bot import approvalbot
        from hub.chat import cards as card_registry
        from hub.core import routes

        runtime.register_bot(approvalbot)
        card_registry.register(cards.CARD_TYPE, services.on_approval_card)
        reminders.register()
        jobs.register(reminders.DELEGATION, services.delegation_boundary)
        archiving.register_kind()
        todo.register()
        routes.add_api(urls.urlpatterns)
        api_docs.register()
        search.register()
        handover.register()
