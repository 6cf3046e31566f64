from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "minqing.workflow"
    label = "workflow"
    verbose_name = "流转"

    def ready(self):
        from ..ledger.signals import case_event, case_raised
        from .escalation import on_case_raised
        from .notify import on_case_event

        case_event.connect(on_case_event, dispatch_uid="minqing-notify-citizens")
        case_raised.connect(on_case_raised, dispatch_uid="minqing-announce-raised")
