from django.apps import AppConfig


class MobilityConfig(AppConfig):
    name = "accord.mobility"
    label = "mobility"
