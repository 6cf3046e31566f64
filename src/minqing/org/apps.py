from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "minqing.org"
    label = "org"
    verbose_name = "组织"

    def ready(self):
        from . import lexicon

        lexicon.connect()
