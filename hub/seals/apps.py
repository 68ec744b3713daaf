from django.apps import AppConfig


class SealsConfig(AppConfig):
    name = "hub.seals"
    label = "seals"
    verbose_name = "电子印章与审计"
