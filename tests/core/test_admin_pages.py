"""Every admin page of every model opens, filled with the demo's data."""

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_every_models_list_and_first_object_open_in_the_admin(client):
    call_command("demo", verbosity=0)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    failed = {}
    objects_opened = set()
    for model in admin.site._registry:
        meta = model._meta
        pages = [reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")]
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            objects_opened.add(meta.model_name)
            pages.append(
                reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk])
            )
        for url in pages:
            status = client.get(url).status_code
            if status != 200:
                failed[url] = status

    assert failed == {}
    # The demo fills the models whose pages have inlines of every kind.
    assert {"agreement", "institution", "researchcenter", "facility", "mobility"} <= objects_opened
