from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "minqing.insight"
    label = "insight"
    verbose_name = "研判预警"
