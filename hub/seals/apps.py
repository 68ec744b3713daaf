from django.apps import AppConfig


class SealsConfig(AppConfig):
    name = "hub.seals"
    label = "seals"
    verbose_name = "电子印章与审计"

    def ready(self) -> None:
        from django.conf import settings

        from hub.core import worker
        from hub.seals import checkpoint

        # The audit head, signed, outside the database (hub/seals/checkpoint.py).
        worker.register("audit.checkpoint", checkpoint.worker_turn,
                        every=float(settings.HUITONG_AUDIT_CHECKPOINT_SECONDS))
