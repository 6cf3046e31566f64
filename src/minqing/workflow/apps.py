from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "minqing.workflow"
    label = "workflow"
    verbose_name = "流转"
