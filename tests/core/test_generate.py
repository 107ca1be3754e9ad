import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accord.agreements.models import Agreement, AgreementParty, AgreementStatus, Provision
from accord.agreements.provisions import provision_terms_clean
from accord.core.generate import generate
from accord.institutions.models import Institution

TODAY = dt.date(2026, 3, 1)
SIGNED = (AgreementStatus.ACTIVE, AgreementStatus.EXPIRED, AgreementStatus.TERMINATED)


def small(seed: int = 7):
    return generate(institutions=50, agreements=200, seed=seed, today=TODAY, progress=None)


def snapshot() -> list[tuple]:
    return [
        (
            agreement.title,
            agreement.status,
            agreement.valid_from,
            agreement.valid_to,
            tuple(party.institution.name for party in agreement.parties.all()),
            tuple((p.kind, sorted(p.terms)) for p in agreement.provisions.all()),
        )
        for agreement in Agreement.objects.order_by("id").prefetch_related(
            "parties__institution", "provisions"
        )
    ]


@pytest.mark.django_db
def test_generate_adds_the_requested_rows():
    result = small()

    assert (result.institutions, result.agreements) == (50, 200)
    assert Institution.objects.count() == 50
    assert Agreement.objects.count() == 200
    assert AgreementParty.objects.count() == result.parties
    assert Provision.objects.count() == result.provisions


@pytest.mark.django_db
def test_every_generated_agreement_has_two_or_three_distinct_parties():
    small()

    for agreement in Agreement.objects.prefetch_related("parties"):
        institutions = [party.institution_id for party in agreement.parties.all()]
        assert 2 <= len(institutions) <= 3
        assert len(set(institutions)) == len(institutions)


@pytest.mark.django_db
def test_generated_search_text_is_what_the_models_compute():
    small()

    for institution in Institution.objects.all():
        assert institution.search_text
        assert institution.search_text == institution.compute_search_text()
    for agreement in Agreement.objects.all():
        assert agreement.search_text
        assert agreement.search_text == agreement.compute_search_text()


@pytest.mark.django_db
def test_generated_provision_terms_pass_the_provision_forms():
    small()

    for provision in Provision.objects.select_related("agreement"):
        cleaned = provision_terms_clean(
            provision.kind, provision.terms, agreement=provision.agreement
        )
        assert cleaned == provision.terms


@pytest.mark.django_db
def test_generated_periods_and_signatures_fit_each_status():
    small()

    for agreement in Agreement.objects.prefetch_related("parties"):
        if agreement.valid_from and agreement.valid_to:
            assert agreement.valid_to >= agreement.valid_from
        signatures = [party.has_signed for party in agreement.parties.all()]
        if agreement.status == AgreementStatus.ACTIVE:
            assert agreement.valid_to is None or agreement.valid_to >= TODAY
        if agreement.status == AgreementStatus.EXPIRED:
            assert agreement.valid_to < TODAY
        if agreement.status in SIGNED:
            assert all(signatures)
        if agreement.status in (AgreementStatus.DRAFT, AgreementStatus.NEGOTIATION):
            assert not any(signatures)
    statuses = set(Agreement.objects.values_list("status", flat=True))
    assert statuses == set(AgreementStatus.values)


@pytest.mark.django_db
def test_the_same_seed_generates_the_same_data():
    small(seed=3)
    first = snapshot()
    Agreement.objects.all().delete()
    Institution.objects.all().delete()

    small(seed=3)

    assert snapshot() == first


@pytest.mark.django_db
def test_another_seed_generates_other_data():
    small(seed=3)
    first = snapshot()
    Agreement.objects.all().delete()
    Institution.objects.all().delete()

    small(seed=4)

    assert snapshot() != first


@pytest.mark.django_db
def test_generating_twice_adds_institutions_with_new_slugs_and_domains():
    small()
    small()

    assert Institution.objects.count() == 100
    assert Institution.objects.values("slug").distinct().count() == 100
    assert Institution.objects.values("schac_code").distinct().count() == 100


@pytest.mark.django_db
def test_generate_command_reports_progress_and_totals():
    out, err = StringIO(), StringIO()

    call_command(
        "generate",
        "--institutions=20",
        "--agreements=30",
        "--batch-size=10",
        "--seed=2",
        stdout=out,
        stderr=err,
    )

    assert "Added 20 institutions, 30 agreements" in out.getvalue()
    assert "agreements: 10/30" in err.getvalue()
    assert "agreements: 30/30" in err.getvalue()
    assert Agreement.objects.count() == 30


@pytest.mark.django_db
def test_generating_agreements_without_two_institutions_is_refused():
    with pytest.raises(CommandError, match="two institutions"):
        call_command("generate", "--agreements=5", stdout=StringIO(), stderr=StringIO())

    assert Agreement.objects.count() == 0


@pytest.mark.django_db
def test_negative_counts_are_refused():
    with pytest.raises(CommandError, match="must not be negative"):
        call_command("generate", "--institutions=-1", stdout=StringIO(), stderr=StringIO())


@pytest.mark.django_db
def test_generate_adds_mobilities_between_the_institutions_in_batches():
    from django.db.models import Count, F

    from accord.mobility.checks import academic_year_of
    from accord.mobility.models import Mobility, ReturnObligation

    out, err = StringIO(), StringIO()
    call_command(
        "generate",
        "--institutions=60",
        "--mobilities=900",
        "--batch-size=300",
        stdout=out,
        stderr=err,
    )

    assert "900 mobilities" in out.getvalue()
    assert "mobilities: 300/900" in err.getvalue()
    assert Mobility.objects.count() == 900
    assert not Mobility.objects.filter(home_institution=F("host_institution")).exists()
    assert not Mobility.objects.filter(end_date__lt=F("start_date")).exists()
    mobility = Mobility.objects.select_related("home_institution", "host_institution").first()
    assert mobility is not None
    assert mobility.home_country == mobility.home_institution.country
    assert mobility.host_country == mobility.host_institution.country
    assert mobility.academic_year == academic_year_of(mobility.start_date)
    # Skewed as real flows are: Kazakhstan sends the most.
    senders = Mobility.objects.values_list("home_country").annotate(n=Count("pk")).order_by("-n")
    assert senders[0][0] == "KZ"
    assert ReturnObligation.objects.filter(mobility__home_country="KZ").exists()


@pytest.mark.django_db
def test_generating_mobilities_without_two_institutions_is_refused():
    with pytest.raises(CommandError, match="two institutions"):
        call_command("generate", "--mobilities=5", stdout=StringIO(), stderr=StringIO())
