"""Creating and editing an agreement through its forms, and the partner search."""

import datetime as dt

import pytest
from django.urls import reverse

from accord.agreements.models import Agreement, AgreementStatus
from tests.factories import (
    AgreementFactory,
    InstitutionFactory,
    MembershipFactory,
    agreement_row_counts,
)

pytestmark = pytest.mark.django_db
CREATE = reverse("agreements:create")


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def form_data(institution, **overrides):
    data = {
        "kind": "mou",
        "title": "Memorandum of understanding",
        "title_ru": "Меморандум о взаимопонимании",
        "title_kk": "",
        "title_az": "Anlaşma memorandumu",
        "title_pl": "",
        "description": "Joint conferences and access to research centers.",
        "valid_from": "2025-03-01",
        "valid_to": "2030-02-28",
        "languages": ["kk", "ru", "az"],
        "tags": "research, conferences",
        "own_institutions": [institution.pk],
    }
    data.update(overrides)
    return data


def test_the_form_preselects_the_users_institution(officer_client, institution):
    response = officer_client.get(CREATE)

    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.initial["own_institutions"]) == [institution]
    assert f'value="{institution.pk}"' in response.content.decode()


def test_officer_creates_an_agreement_with_a_partner(officer_client, officer, institution, partner):
    response = officer_client.post(CREATE, form_data(institution, partners=[partner.pk]))

    agreement = Agreement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("agreements:detail", args=[agreement.pk])
    assert agreement.status == AgreementStatus.DRAFT
    assert agreement.created_by == officer
    assert agreement.titles == {"ru": "Меморандум о взаимопонимании", "az": "Anlaşma memorandumu"}
    assert agreement.languages == ["kk", "ru", "az"]
    assert agreement.tags == ["research", "conferences"]
    assert [p.institution for p in agreement.parties.order_by("id")] == [institution, partner]
    page = officer_client.get(response["Location"])
    assert "The agreement was created as a draft." in page.content.decode()


@pytest.mark.parametrize("field", ["own_institutions", "partners"])
def test_an_institution_id_beyond_any_key_is_refused_and_creates_nothing(
    officer_client, institution, partner, field
):
    data = form_data(institution, partners=[partner.pk])
    data[field] = [*data[field], "99999999999999999999"]

    response = officer_client.post(CREATE, data)

    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not Agreement.objects.exists()


def test_a_partner_can_be_given_by_schac_code_without_javascript(
    officer_client, institution, partner
):
    third = InstitutionFactory(name="University of Warsaw", slug="uw", schac_code="uw.edu.pl")
    data = form_data(institution, partner_codes=f"{partner.schac_code.upper()}, uw")

    response = officer_client.post(CREATE, data)

    assert response.status_code == 302
    parties = [p.institution for p in Agreement.objects.get().parties.order_by("id")]
    assert parties == [institution, partner, third]


def assert_refused(response, *messages):
    content = response.content.decode()
    assert response.status_code == 200
    assert "The agreement was not created." in content
    for message in messages:
        assert message in content


def test_one_party_only_is_refused_with_a_message(officer_client, institution):
    before = agreement_row_counts()

    response = officer_client.post(CREATE, form_data(institution))

    assert_refused(response, "An agreement needs at least two different institutions.")
    assert response.context["form"]["title"].value() == "Memorandum of understanding"
    assert agreement_row_counts() == before


def test_a_repeated_party_is_refused_with_a_message(officer_client, institution, partner):
    before = agreement_row_counts()
    data = form_data(institution, partners=[partner.pk], partner_codes=institution.schac_code)

    response = officer_client.post(CREATE, data)

    assert_refused(response, f"{institution.name} is named more than once")
    assert agreement_row_counts() == before


def test_an_end_before_the_start_is_refused_naming_the_field(officer_client, institution, partner):
    before = agreement_row_counts()
    data = form_data(
        institution, partners=[partner.pk], valid_from="2026-01-01", valid_to="2025-01-01"
    )

    response = officer_client.post(CREATE, data)

    assert_refused(response, "The agreement cannot end before it starts (1 Jan 2026).")
    assert response.context["form"].errors["valid_to"] == [
        "The agreement cannot end before it starts (1 Jan 2026)."
    ]
    assert '<a href="#id_valid_to">Valid to</a>' in response.content.decode()
    assert agreement_row_counts() == before


def test_bad_fields_are_named_and_chosen_partners_kept(officer_client, institution, partner):
    before = agreement_row_counts()
    data = form_data(
        institution,
        kind="",
        title="",
        valid_from="someday",
        partners=[partner.pk],
        partner_codes="nowhere.example",
    )

    response = officer_client.post(CREATE, data)

    errors = response.context["form"].errors
    assert set(errors) == {"kind", "title", "valid_from", "partner_codes"}
    assert "No institution has the SCHAC code or slug: nowhere.example" in errors["partner_codes"]
    assert response.context["selected_partners"] == [partner]
    assert agreement_row_counts() == before


def test_someone_who_may_not_create_is_refused(client, institution):
    researcher = MembershipFactory(institution=institution, role="researcher").user
    client.force_login(researcher)

    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, {}).status_code == 403


def test_institution_search_returns_at_most_twenty_and_skips_chosen(officer_client):
    found = [InstitutionFactory(name=f"Baku Institute {n:02}", country="AZ") for n in range(25)]
    url = reverse("agreements:institution_options")

    response = officer_client.get(url, {"q": "baku inst", "partners": [found[0].pk]})

    shown = response.context["institutions"]
    assert len(shown) == 20
    assert found[0] not in shown
    assert shown[0] == found[1]
    assert 'name="partners"' in response.content.decode()


def test_institution_search_as_datalist_offers_codes(officer_client, partner):
    url = reverse("agreements:institution_options")

    response = officer_client.get(url, {"institution": "azerbaijan", "format": "datalist"})

    assert response.content.decode().strip() == (
        f'<option value="{partner.schac_code}">'
        "Azerbaijan National Academy of Sciences (Azerbaijan)</option>"
    )


def test_search_without_javascript_keeps_the_form_and_creates_nothing(
    officer_client, institution, partner
):
    before = agreement_row_counts()
    data = form_data(institution, action="search", q="azerbaijan")

    response = officer_client.post(CREATE, data)

    content = response.content.decode()
    assert response.status_code == 200
    assert response.context["search_results"] == [partner]
    assert 'value="Memorandum of understanding"' in content
    assert "The agreement was not created" not in content
    assert agreement_row_counts() == before


def test_edit_saves_changed_fields(client, officer, institution, partner):
    agreement = AgreementFactory(title="Old title", parties=[institution, partner])
    client.force_login(officer)
    url = reverse("agreements:edit", args=[agreement.pk])
    data = {
        "kind": "mou",
        "title": "New title",
        "valid_from": "2025-01-01",
        "valid_to": "2029-12-31",
        "tags": "culture",
    }

    response = client.post(url, data)

    agreement.refresh_from_db()
    assert response.status_code == 302
    assert agreement.title == "New title"
    assert agreement.tags == ["culture"]
    detail = client.get(response["Location"]).content.decode()
    assert "The agreement was saved." in detail
    assert "<del>Old title</del>" in detail
    assert "<ins>New title</ins>" in detail


def test_edit_of_a_signed_agreement_keeps_its_text_fixed(client, officer, institution, partner):
    agreement = AgreementFactory(
        title="Signed", status=AgreementStatus.ACTIVE, parties=[institution, partner]
    )
    client.force_login(officer)
    url = reverse("agreements:edit", args=[agreement.pk])
    data = {"kind": "framework", "title": "Changed", "valid_to": "2040-01-01", "tags": "culture"}

    page = client.get(url).content.decode()
    response = client.post(url, data)

    agreement.refresh_from_db()
    assert "its kind, title, period and languages are fixed" in page
    assert response.status_code == 302
    assert (agreement.title, agreement.kind, agreement.tags) == ("Signed", "mou", ["culture"])
    assert agreement.valid_to == dt.date(2029, 12, 31)


def test_edit_refused_by_the_rules_comes_back_and_changes_nothing(
    client, officer, institution, partner
):
    agreement = AgreementFactory(title="Memorandum", parties=[institution, partner])
    client.force_login(officer)
    url = reverse("agreements:edit", args=[agreement.pk])
    before = agreement_row_counts()

    response = client.post(
        url, {"kind": "mou", "title": "Renamed", "tags": "x" * 51, "valid_from": "2025-01-01"}
    )

    agreement.refresh_from_db()
    assert response.status_code == 200
    assert "The agreement was not saved." in response.content.decode()
    assert response.context["form"].errors == {"tags": ["A tag may have at most 50 characters."]}
    assert agreement.title == "Memorandum"
    assert agreement_row_counts() == before


def test_edit_form_shows_current_values(client, officer, institution, partner):
    agreement = AgreementFactory(
        title="Memorandum", parties=[institution, partner], titles={"ru": "Меморандум"}
    )
    client.force_login(officer)

    response = client.get(reverse("agreements:edit", args=[agreement.pk]))

    content = response.content.decode()
    assert 'value="Memorandum"' in content
    assert 'value="Меморандум"' in content
    assert 'name="partners"' not in content


def test_leaving_ones_own_institution_out_is_explained(officer_client, institution, partner):
    third = InstitutionFactory()
    before = agreement_row_counts()
    data = form_data(institution, own_institutions=[], partners=[partner.pk, third.pk])

    response = officer_client.post(CREATE, data)

    assert response.status_code == 200
    assert response.context["form"].errors["own_institutions"] == [
        "Only an admin or officer of one of the parties may create this agreement."
    ]
    assert agreement_row_counts() == before
