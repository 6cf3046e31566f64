from django.apps import AppConfig


class ConsultConfig(AppConfig):
    name = "minqing.consult"
    label = "consult"
    verbose_name = "征求意见"
