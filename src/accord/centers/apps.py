from django.apps import AppConfig


class CentersConfig(AppConfig):
    name = "accord.centers"
    label = "centers"
