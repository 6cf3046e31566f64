from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "minqing.web"
    label = "web"
    verbose_name = "网页"
