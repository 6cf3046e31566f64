from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "minqing.intake"
    label = "intake"
    verbose_name = "受理"
