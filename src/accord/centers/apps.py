from django.apps import AppConfig


class CentersConfig(AppConfig):
    name = "accord.centers"
    label = "centers"

    def ready(self) -> None:
        # What this domain adds to an agreement: agreement_hub.py.
        from accord.agreements import hub

        from .agreement_hub import CONTRIBUTION

        hub.register(CONTRIBUTION)
