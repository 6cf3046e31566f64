from django.apps import AppConfig


class FieldConfig(AppConfig):
    name = "minqing.field"
    label = "field"
    verbose_name = "走访"
