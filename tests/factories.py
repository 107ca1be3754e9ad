"""Factories for the rows tests need; every test builds what it asserts on."""

import datetime as dt

import factory
from django.utils.text import slugify

from accord.agreements.models import (
    Agreement,
    AgreementKind,
    AgreementParty,
    AgreementStatus,
    Provision,
    ProvisionKind,
)
from accord.core.models import Membership, Role, User
from accord.institutions.models import Institution, InstitutionKind, Unit, UnitKind

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    name = factory.Sequence(lambda n: f"University {n}")
    slug = factory.LazyAttribute(lambda i: slugify(i.name))
    kind = InstitutionKind.UNIVERSITY
    country = "KZ"
    city = "Almaty"
    schac_code = factory.Sequence(lambda n: f"uni{n}.example.edu")
    search_text = factory.LazyAttribute(lambda i: " ".join([i.name, *i.names.values()]).lower())
    names = factory.LazyFunction(dict)


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    institution = factory.SubFactory(InstitutionFactory)
    kind = UnitKind.CENTER
    name = factory.Sequence(lambda n: f"Center {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    institution = factory.SubFactory(InstitutionFactory)
    role = Role.OFFICER


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement
        skip_postgeneration_save = True

    kind = AgreementKind.MOU
    title = factory.Sequence(lambda n: f"Memorandum {n}")
    search_text = factory.LazyAttribute(lambda a: a.title.lower())
    status = AgreementStatus.DRAFT
    valid_from = dt.date(2025, 1, 1)
    valid_to = dt.date(2029, 12, 31)

    @factory.post_generation
    def parties(obj, create, extracted, **kwargs):  # noqa: N805
        """`parties=[inst_a, inst_b]`; two new institutions when not given."""
        if not create:
            return
        institutions = extracted if extracted is not None else [
            InstitutionFactory(),
            InstitutionFactory(),
        ]
        for institution in institutions:
            AgreementParty.objects.create(agreement=obj, institution=institution)


class ProvisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provision

    agreement = factory.SubFactory(AgreementFactory)
    kind = ProvisionKind.JOINT_EVENTS
    terms = factory.LazyFunction(lambda: {"description": "Joint conferences", "events_per_year": 1})
