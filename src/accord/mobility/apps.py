from django.apps import AppConfig


class MobilityConfig(AppConfig):
    name = "accord.mobility"
    label = "mobility"

    def ready(self) -> None:
        # What this domain adds to an agreement: agreement_hub.py.
        from accord.agreements import hub

        from .agreement_hub import CONTRIBUTION

        hub.register(CONTRIBUTION)
