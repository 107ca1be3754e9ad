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
    def _save(obj, create, extracted, **kwargs):
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
    def parties(obj, create, extracted, **kwargs):
        """`parties=[inst_a, inst_b]`; two new institutions when not given."""
        if not create:
            return
        institutions = (
            extracted
            if extracted is not None
            else [
                InstitutionFactory(),
                InstitutionFactory(),
            ]
        )
        for institution in institutions:
            AgreementParty.objects.create(agreement=obj, institution=institution)


class ProvisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provision

    agreement = factory.SubFactory(AgreementFactory)
    kind = ProvisionKind.JOINT_EVENTS
    terms = factory.LazyFunction(lambda: {"description": "Joint conferences", "events_per_year": 1})


# Agreements: parties with signatures, documents by content, row counts ----------------------


def pdf_bytes() -> bytes:
    """A minimal PDF document."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def docx_bytes() -> bytes:
    """A minimal Word (DOCX) document, built as the zip it is."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            'wordprocessingml/2006/main"><w:body><w:p/></w:body></w:document>',
        )
    return buffer.getvalue()


def odt_bytes() -> bytes:
    """A minimal OpenDocument text, its uncompressed `mimetype` member first."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.text",
            compress_type=zipfile.ZIP_STORED,
        )
        archive.writestr("content.xml", '<?xml version="1.0"?><office:document-content/>')
        archive.writestr("META-INF/manifest.xml", '<?xml version="1.0"?><manifest/>')
    return buffer.getvalue()


class AgreementDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "agreements.AgreementDocument"

    agreement = factory.SubFactory(AgreementFactory)
    kind = "signed"
    version = factory.Sequence(lambda n: n + 1)
    file = factory.django.FileField(filename="signed.pdf", data=pdf_bytes())
    original_name = "signed.pdf"
    content_type = "application/pdf"
    size = factory.LazyFunction(lambda: len(pdf_bytes()))
    sha256 = "0" * 64


def sign_all_parties(agreement: Agreement, on: dt.date = dt.date(2025, 1, 10)) -> None:
    """Every party of `agreement` signed (signatory and date), as before activation."""
    for party in agreement.parties.all():
        party.signatory_name = f"Rector of {party.institution.name}"
        party.signed_on = on
        party.save(update_fields=["signatory_name", "signed_on"])


def agreement_row_counts() -> dict[str, int]:
    """How many agreements, parties (present and former), provisions, documents, reminders and
    audit events exist, to show that a refused change changed nothing."""
    from accord.agreements.models import AgreementDocument, ExpiryReminder, FormerParty
    from accord.core.models import AuditEvent

    return {
        model.__name__: model.objects.count()
        for model in (
            Agreement,
            AgreementParty,
            FormerParty,
            Provision,
            AgreementDocument,
            ExpiryReminder,
            AuditEvent,
        )
    }


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "institutions.Contact"

    institution = factory.SubFactory(InstitutionFactory)
    name = factory.Faker("name")
    position = "International officer"
    email = factory.Sequence(lambda n: f"contact{n}@example.edu")
