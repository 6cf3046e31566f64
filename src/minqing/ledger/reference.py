"""Reference data every installation needs (idempotent): the taxonomy and default time limits."""


def ensure_reference_data() -> None:
    from . import sla, taxonomy
    from .models import Category

    if not Category.objects.exists():
        taxonomy.load()
    sla.ensure_defaults()
