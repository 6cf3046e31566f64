from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "minqing.ledger"
    label = "ledger"
    verbose_name = "台账"

    def ready(self):
        from . import signals

        signals.connect()
