from django.apps import AppConfig


class PublicityConfig(AppConfig):
    name = "minqing.publicity"
    label = "publicity"
    verbose_name = "村务公开"
