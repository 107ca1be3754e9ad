from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "accord.core"
    label = "core"

    def ready(self) -> None:
        from django_tasks.signals import task_finished

        from .jobs import task_outcome_record

        # Whichever process runs a task, its failure is recorded for platform staff (jobs.py).
        task_finished.connect(task_outcome_record, dispatch_uid="accord.core.jobs")
