from django.apps import AppConfig


class WorkCalendarConfig(AppConfig):
    name = "bots.calendar"
    label = "workcalendar"
    verbose_name = "工作日历"
