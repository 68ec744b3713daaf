from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "bots.meetings"
    label = "meetings"
    verbose_name = "会议通知"

    def ready(self) -> None:
        from bots import runtime
        from bots.meetings import api_docs, cards, reminders, search, services, todo, urls
        from bots.meetings.bot import meetingbot
        from hub.chat import cards as card_registry
        from hub.core import routes

        runtime.register_bot(meetingbot)
        card_registry.register(cards.CARD_TYPE, services.on_meeting_card)
        card_registry.register(cards.ROSTER_CARD_TYPE, services.on_roster_card)
        reminders.register()
        todo.register()
        routes.add_api(urls.urlpatterns)
        api_docs.register()
        search.register()
