from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "minqing.ledger"
    label = "ledger"
    verbose_name = "台账"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import signals

        signals.connect()
        post_migrate.connect(_restore_fulltext, sender=self, dispatch_uid="minqing-fulltext")


def _restore_fulltext(sender, using="default", **kwargs):
    from .search import ensure_index

    ensure_index(using)
