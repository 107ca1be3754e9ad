"""The agreements API: the same rules as the pages, answered as JSON and problem+json."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accord.agreements import services
from accord.agreements.models import Agreement, AgreementDocument, AgreementStatus
from accord.core.models import ApiToken
from accord.core.tokens import hash_secret, new_secret
from tests.factories import (
    AgreementDocumentFactory,
    AgreementFactory,
    InstitutionFactory,
    MembershipFactory,
    ProvisionFactory,
    agreement_row_counts,
    docx_bytes,
    pdf_bytes,
    sign_all_parties,
)

pytestmark = pytest.mark.django_db
BASE = "/api/v1/agreements"


@pytest.fixture
def as_officer(client, officer):
    client.force_login(officer)
    return client


@pytest.fixture
def as_outsider(client, outsider):
    client.force_login(outsider)
    return client


@pytest.fixture
def agreement(institution, partner):
    return AgreementFactory(parties=[institution, partner], title="KazNU-ANAS memorandum")


def bearer(user):
    token = new_secret()
    ApiToken.objects.create(user=user, name="test", prefix=token[:8], token_hash=hash_secret(token))
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


# Create ---------------------------------------------------------------------------------------


def test_an_officer_creates_an_agreement_with_provisions(as_officer, institution, partner):
    response = as_officer.post(
        f"{BASE}/",
        {
            "kind": "mou",
            "title": "Memorandum of cooperation",
            "titles": {"ru": "Меморандум о сотрудничестве"},
            "valid_from": "2025-01-01",
            "valid_to": "2029-12-31",
            "parties": [institution.slug, partner.pk],
            "provisions": [
                {"kind": "joint_events", "terms": {"description": "Anniversary conference"}},
                {"kind": "joint_research", "terms": {"topic": "History of the Silk Road"}},
            ],
        },
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft"
    assert [p["institution"]["slug"] for p in body["parties"]] == [
        institution.slug,
        partner.slug,
    ]
    assert [p["summary"] for p in body["provisions"]] == [
        "Joint events: Anniversary conference",
        "Joint research: History of the Silk Road",
    ]
    assert body["allowed_transitions"] == ["negotiation"]
    assert body["permissions"] == {"change": True, "transition": True, "download_documents": True}
    assert Agreement.objects.get().titles == {"ru": "Меморандум о сотрудничестве"}


def test_an_invalid_provision_creates_nothing(as_officer, institution, partner):
    before = agreement_row_counts()
    response = as_officer.post(
        f"{BASE}/",
        {
            "kind": "mou",
            "title": "Memorandum",
            "parties": [institution.slug, partner.slug],
            "provisions": [
                {"kind": "joint_research", "terms": {"topic": "Seismology"}},
                {
                    "kind": "mobility",
                    "terms": {
                        "sending_institution": institution.pk,
                        "receiving_institution": partner.pk,
                        "mobility_type": "student_studies",
                        "places_per_year": 2,
                        "total_months": 10,
                        "isced_code": "9999",
                        "academic_year_from": "2025/2026",
                        "academic_year_to": "2025/2026",
                    },
                },
            ],
        },
        content_type="application/json",
    )
    body = problem(response, 422)
    assert body["errors"] == {
        "provisions.1.terms.isced_code": ["9999 is not an ISCED-F 2013 field of education code."]
    }
    assert agreement_row_counts() == before


@pytest.mark.parametrize(
    ("parties", "message"),
    [
        (["kaznu"], "An agreement needs at least two different institutions."),
        (
            ["kaznu", "kaznu"],
            "Al-Farabi Kazakh National University is named more than once; "
            "each party appears once.",
        ),
        (["kaznu", "nowhere"], "No institution nowhere."),
    ],
)
def test_bad_parties_are_named(as_officer, institution, partner, parties, message):
    institution.slug = "kaznu"
    institution.save()
    before = agreement_row_counts()
    response = as_officer.post(
        f"{BASE}/",
        {"kind": "mou", "title": "Memorandum", "parties": parties},
        content_type="application/json",
    )
    assert problem(response, 422)["errors"] == {"parties": [message]}
    assert agreement_row_counts() == before


def test_an_end_before_the_start_is_422(as_officer, institution, partner):
    response = as_officer.post(
        f"{BASE}/",
        {
            "kind": "mou",
            "title": "Memorandum",
            "parties": [institution.slug, partner.slug],
            "valid_from": "2026-01-01",
            "valid_to": "2025-01-01",
        },
        content_type="application/json",
    )
    assert list(problem(response, 422)["errors"]) == ["valid_to"]
    assert not Agreement.objects.exists()


def test_an_outsider_may_not_create_for_others(as_outsider, institution, partner):
    response = as_outsider.post(
        f"{BASE}/",
        {"kind": "mou", "title": "Memorandum", "parties": [institution.slug, partner.slug]},
        content_type="application/json",
    )
    problem(response, 403)
    assert not Agreement.objects.exists()


def test_anonymous_callers_may_not_create(client, institution, partner):
    response = client.post(
        f"{BASE}/",
        {"kind": "mou", "title": "Memorandum", "parties": [institution.slug, partner.slug]},
        content_type="application/json",
    )
    problem(response, 401)


# Read -----------------------------------------------------------------------------------------


def test_a_bearer_token_reads_the_list_with_filters(client, officer, institution, partner):
    AgreementFactory(
        title="Mobility with Warsaw", parties=[institution, InstitutionFactory(country="PL")]
    )
    AgreementFactory(title="With ANAS", parties=[institution, partner])
    AgreementFactory(title="Not ours")

    response = client.get(f"{BASE}/", {"country": "PL"}, **bearer(officer))

    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["page"], body["pages"]) == (1, 1, 1)
    assert [a["title"] for a in body["results"]] == ["Mobility with Warsaw"]
    assert client.get(f"{BASE}/", **bearer(officer)).json()["count"] == 2


def test_the_list_is_paginated(as_officer, institution, partner):
    for n in range(5):
        AgreementFactory(title=f"Agreement {n}", parties=[institution, partner])
    body = as_officer.get(f"{BASE}/", {"page": 2, "page_size": 2}).json()
    assert (body["count"], body["pages"], body["page_size"]) == (5, 3, 2)
    assert [a["title"] for a in body["results"]] == ["Agreement 2", "Agreement 1"]
    assert as_officer.get(f"{BASE}/", {"page": 9}).json()["results"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"country": "XX"}, "country"),
        ({"status": "signed"}, "status"),
        ({"ending_within_days": "9999"}, "ending_within_days"),
        ({"ending_within_days": "soon"}, "ending_within_days"),
        ({"page_size": "201"}, "page_size"),
        ({"page": "0"}, "page"),
        ({"sort": "title"}, "sort"),
    ],
)
def test_invalid_list_parameters_are_422_naming_the_parameter(as_officer, params, field):
    body = problem(as_officer.get(f"{BASE}/", params), 422)
    assert list(body["errors"]) == [field]


def test_the_list_is_in_the_order_asked_for(as_officer, officer, institution, partner):
    for title, valid_to in [
        ("Ends 2031", dt.date(2031, 6, 30)),
        ("Ends 2027", dt.date(2027, 6, 30)),
        ("No end date", None),
    ]:
        AgreementFactory(title=title, valid_to=valid_to, parties=[institution, partner])
    ends_2031 = Agreement.objects.get(title="Ends 2031")
    services.provision_add(
        actor=officer,
        agreement=ends_2031,
        kind="joint_events",
        terms={"description": "Anniversary conference", "events_per_year": "1"},
    )

    def titles(**params):
        response = as_officer.get(f"{BASE}/", params)
        assert response.status_code == 200
        return [a["title"] for a in response.json()["results"]]

    assert titles() == titles(sort="newest") == ["No end date", "Ends 2027", "Ends 2031"]
    assert titles(sort="ending") == ["Ends 2027", "Ends 2031", "No end date"]
    assert titles(sort="changed") == ["Ends 2031", "No end date", "Ends 2027"]
    assert titles(sort="ending", page_size=1, page=3) == ["No end date"]
    listed = as_officer.get(f"{BASE}/", {"sort": "changed"}).json()["results"][0]
    assert listed["updated_at"] == as_officer.get(f"{BASE}/{ends_2031.pk}").json()["updated_at"]


def test_the_list_runs_as_many_queries_for_50_agreements_as_for_1(
    as_officer, institution, partner, count_queries
):
    def queries_for_list():
        with count_queries() as context:
            response = as_officer.get(f"{BASE}/", {"page_size": 200})
        assert response.status_code == 200
        return len(context.captured_queries), response.json()["count"]

    ProvisionFactory(agreement=AgreementFactory(parties=[institution, partner]))
    one = queries_for_list()
    for _ in range(49):
        ProvisionFactory(
            agreement=AgreementFactory(parties=[institution, partner, InstitutionFactory()])
        )
    fifty = queries_for_list()

    assert (one[1], fifty[1]) == (1, 50)
    assert one[0] == fifty[0]


def test_the_detail_of_an_agreement(as_officer, agreement):
    ProvisionFactory(agreement=agreement)
    body = as_officer.get(f"{BASE}/{agreement.pk}").json()
    assert body["title"] == "KazNU-ANAS memorandum"
    assert [p["kind"] for p in body["provisions"]] == ["joint_events"]
    assert len(body["parties"]) == 2


def test_a_private_agreement_is_404_to_others_and_anonymous(client, outsider, agreement):
    assert problem(client.get(f"{BASE}/{agreement.pk}"), 404)["title"] == "Not found"
    client.force_login(outsider)
    missing = client.get(f"{BASE}/999999")
    hidden = client.get(f"{BASE}/{agreement.pk}")
    assert problem(hidden, 404) == problem(missing, 404)
    assert client.get(f"{BASE}/").json()["count"] == 0


def test_a_public_active_agreement_is_visible_to_anyone_without_coordinators(
    client, outsider, agreement
):
    agreement.status = AgreementStatus.ACTIVE
    agreement.is_public = True
    agreement.save()
    body = client.get(f"{BASE}/{agreement.pk}").json()
    assert body["permissions"] == {
        "change": False,
        "transition": False,
        "download_documents": False,
    }
    assert all(p["coordinator"] is None for p in body["parties"])
    assert client.get(f"{BASE}/").json()["count"] == 1


# Writes by someone who may not see the agreement ---------------------------------------------


def test_an_outsider_gets_404_for_every_write_and_nothing_changes(as_outsider, agreement):
    document = AgreementDocumentFactory(agreement=agreement)
    party = agreement.parties.first()
    before = agreement_row_counts()
    requests = [
        as_outsider.patch(
            f"{BASE}/{agreement.pk}", {"title": "Mine"}, content_type="application/json"
        ),
        as_outsider.post(
            f"{BASE}/{agreement.pk}/transitions",
            {"to": "negotiation"},
            content_type="application/json",
        ),
        as_outsider.post(
            f"{BASE}/{agreement.pk}/parties/{party.pk}/signature",
            {"signatory_name": "Me", "signed_on": "2025-01-01"},
            content_type="application/json",
        ),
        as_outsider.post(
            f"{BASE}/{agreement.pk}/provisions",
            {"kind": "joint_research", "terms": {"topic": "X"}},
            content_type="application/json",
        ),
        as_outsider.get(f"{BASE}/{agreement.pk}/documents"),
        as_outsider.post(
            f"{BASE}/{agreement.pk}/documents",
            {"kind": "signed", "file": SimpleUploadedFile("a.pdf", pdf_bytes())},
        ),
        as_outsider.get(f"{BASE}/{agreement.pk}/documents/{document.pk}/download"),
        as_outsider.get(f"{BASE}/{agreement.pk}/history"),
    ]
    assert [r.status_code for r in requests] == [404] * len(requests)
    assert agreement_row_counts() == before
    agreement.refresh_from_db()
    assert (agreement.title, agreement.status) == ("KazNU-ANAS memorandum", "draft")


def test_a_public_viewer_may_not_download_documents(client, outsider, agreement):
    agreement.status = AgreementStatus.ACTIVE
    agreement.is_public = True
    agreement.save()
    document = AgreementDocumentFactory(agreement=agreement)
    client.force_login(outsider)

    assert client.get(f"{BASE}/{agreement.pk}").status_code == 200
    problem(client.get(f"{BASE}/{agreement.pk}/documents/{document.pk}/download"), 404)
    problem(client.get(f"{BASE}/{agreement.pk}/documents"), 404)
    response = client.patch(
        f"{BASE}/{agreement.pk}", {"is_public": False}, content_type="application/json"
    )
    problem(response, 403)
    agreement.refresh_from_db()
    assert agreement.is_public


# Updates and lifecycle -----------------------------------------------------------------------


def test_patch_changes_only_the_given_fields(as_officer, agreement):
    response = as_officer.patch(
        f"{BASE}/{agreement.pk}", {"tags": ["science"]}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["tags"] == ["science"]
    agreement.refresh_from_db()
    assert (agreement.tags, agreement.title) == (["science"], "KazNU-ANAS memorandum")


def test_patch_with_null_for_a_required_field_is_422(as_officer, agreement):
    body = problem(
        as_officer.patch(
            f"{BASE}/{agreement.pk}",
            {"title": None, "auto_renew": None, "valid_to": None},
            content_type="application/json",
        ),
        422,
    )
    assert body["errors"] == {
        "title": ["This field cannot be null."],
        "auto_renew": ["This field cannot be null."],
    }
    agreement.refresh_from_db()
    assert agreement.valid_to is not None


def test_patch_of_a_signed_field_is_422(as_officer, agreement):
    agreement.status = AgreementStatus.ACTIVE
    agreement.save()
    body = problem(
        as_officer.patch(
            f"{BASE}/{agreement.pk}", {"title": "New"}, content_type="application/json"
        ),
        422,
    )
    assert body["errors"] == {
        "title": ["A signed agreement (Active) cannot change this; record an amendment."]
    }


def test_the_lifecycle_through_the_api(as_officer, agreement, institution, partner):
    def transition(to, **extra):
        return as_officer.post(
            f"{BASE}/{agreement.pk}/transitions",
            {"to": to, **extra},
            content_type="application/json",
        )

    body = problem(transition("active"), 422)
    assert body["errors"] == {"status": ["Cannot go from Draft to Active."]}
    assert transition("negotiation").json()["status"] == "negotiation"
    signing = transition("signing").json()
    assert "No signed copy of the agreement is attached." in signing["activation_blockers"]

    # Each party's signature is recorded by its own staff.
    partner_officer = MembershipFactory(institution=partner, role="officer").user
    for signer, headers in ((institution, {}), (partner, bearer(partner_officer))):
        party = agreement.parties.get(institution=signer)
        response = as_officer.post(
            f"{BASE}/{agreement.pk}/parties/{party.pk}/signature",
            {"signatory_name": "Rector", "signed_on": "2025-01-10"},
            content_type="application/json",
            **headers,
        )
        assert response.json()["has_signed"] is True
    upload = as_officer.post(
        f"{BASE}/{agreement.pk}/documents",
        {"kind": "signed", "file": SimpleUploadedFile("signed.docx", docx_bytes())},
    )
    assert upload.status_code == 201, upload.content

    assert transition("active").json()["status"] == "active"
    assert problem(transition("terminated"), 422)["errors"] == {
        "reason": ["Say why the agreement is terminated."]
    }
    assert transition("terminated", reason="Closed").json()["termination_reason"] == "Closed"
    history = as_officer.get(f"{BASE}/{agreement.pk}/history").json()
    assert history[0]["changes"]["status"] == ["active", "terminated"]


def test_a_signature_in_the_future_is_422(as_officer, agreement):
    party = agreement.parties.first()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    body = problem(
        as_officer.post(
            f"{BASE}/{agreement.pk}/parties/{party.pk}/signature",
            {"signatory_name": "Rector", "signed_on": tomorrow.isoformat()},
            content_type="application/json",
        ),
        422,
    )
    assert body["errors"] == {"signed_on": ["The date of signature cannot be in the future."]}
    party.refresh_from_db()
    assert party.signed_on is None


def test_a_party_of_another_agreement_is_404(as_officer, agreement, institution):
    other = AgreementFactory(parties=[institution, InstitutionFactory()])
    response = as_officer.post(
        f"{BASE}/{agreement.pk}/parties/{other.parties.first().pk}/signature",
        {"signatory_name": "Rector", "signed_on": "2025-01-10"},
        content_type="application/json",
    )
    problem(response, 404)


def test_provisions_are_added_and_bad_terms_named(as_officer, agreement, institution, partner):
    created = as_officer.post(
        f"{BASE}/{agreement.pk}/provisions",
        {"kind": "scholarship", "terms": {"programme": "Al-Farabi", "places_per_year": 3}},
        content_type="application/json",
    )
    assert created.status_code == 201
    assert created.json()["summary"] == "Scholarships: Al-Farabi, 3 places/year"

    stranger = InstitutionFactory()
    body = problem(
        as_officer.post(
            f"{BASE}/{agreement.pk}/provisions",
            {
                "kind": "mobility",
                "terms": {
                    "sending_institution": stranger.pk,
                    "receiving_institution": partner.pk,
                    "mobility_type": "student_studies",
                    "places_per_year": 2,
                    "total_months": 10,
                    "eqf_levels": [9],
                    "cefr_level": "D1",
                    "language": "en",
                    "academic_year_from": "2025/2027",
                    "academic_year_to": "2026/2027",
                },
            },
            content_type="application/json",
        ),
        422,
    )
    assert set(body["errors"]) == {
        "terms.sending_institution",
        "terms.eqf_levels",
        "terms.cefr_level",
        "terms.academic_year_from",
    }
    assert agreement.provisions.count() == 1


def test_renewal_and_amendment_through_the_api(as_officer, agreement):
    agreement.status = AgreementStatus.ACTIVE
    agreement.save()
    renewal = as_officer.post(
        f"{BASE}/{agreement.pk}/renewals",
        {"valid_from": "2030-01-01", "valid_to": "2034-12-31"},
        content_type="application/json",
    )
    assert renewal.status_code == 201
    assert renewal.json()["renews"]["id"] == agreement.pk
    amendment = as_officer.post(
        f"{BASE}/{agreement.pk}/amendments",
        {"title": "Amendment No. 1"},
        content_type="application/json",
    )
    assert amendment.json()["amends"]["id"] == agreement.pk
    detail = as_officer.get(f"{BASE}/{agreement.pk}").json()
    assert [r["id"] for r in detail["renewals"]] == [renewal.json()["id"]]
    assert [a["id"] for a in detail["amendments"]] == [amendment.json()["id"]]


# Documents ------------------------------------------------------------------------------------


def test_documents_are_uploaded_listed_and_downloaded(as_officer, agreement):
    upload = as_officer.post(
        f"{BASE}/{agreement.pk}/documents",
        {"kind": "draft", "file": SimpleUploadedFile("draft.pdf", pdf_bytes())},
    )
    assert upload.status_code == 201, upload.content
    document = upload.json()
    assert (document["version"], document["content_type"]) == (1, "application/pdf")

    listed = as_officer.get(f"{BASE}/{agreement.pk}/documents").json()
    assert [d["id"] for d in listed] == [document["id"]]

    download = as_officer.get(document["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == pdf_bytes()
    assert download["Content-Type"] == "application/pdf"
    assert 'attachment; filename="draft.pdf"' in download["Content-Disposition"]


@pytest.mark.parametrize("content", [b"\x7fELF\x02\x01\x01" + b"\0" * 64, b"MZ\x90\0" + b"\0" * 64])
def test_an_executable_renamed_pdf_is_422(as_officer, agreement, content):
    before = agreement_row_counts()
    body = problem(
        as_officer.post(
            f"{BASE}/{agreement.pk}/documents",
            {"kind": "signed", "file": SimpleUploadedFile("contract.pdf", content)},
        ),
        422,
    )
    assert list(body["errors"]) == ["file"]
    assert agreement_row_counts() == before
    assert not AgreementDocument.objects.exists()


def test_an_upload_over_the_limit_is_422(as_officer, agreement, settings):
    settings.ACCORD_DOCUMENT_MAX_BYTES = 1024 * 1024
    body = problem(
        as_officer.post(
            f"{BASE}/{agreement.pk}/documents",
            {
                "kind": "signed",
                "file": SimpleUploadedFile("big.pdf", pdf_bytes() + b"0" * 1024 * 1024),
            },
        ),
        422,
    )
    assert body["errors"] == {"file": ["The file is larger than the limit of 1 MB."]}


def test_anonymous_callers_download_nothing(client, agreement):
    document = AgreementDocumentFactory(agreement=agreement)
    problem(client.get(f"{BASE}/{agreement.pk}/documents/{document.pk}/download"), 401)


def test_a_coordinator_signs_and_sees_the_activation_blockers_cleared(as_officer, agreement):
    agreement.status = AgreementStatus.SIGNING
    agreement.save()
    sign_all_parties(agreement)
    AgreementDocumentFactory(agreement=agreement)
    body = as_officer.get(f"{BASE}/{agreement.pk}").json()
    assert body["activation_blockers"] == []
    assert body["allowed_transitions"] == ["negotiation", "active"]


# OpenAPI --------------------------------------------------------------------------------------


def test_the_openapi_document_describes_every_agreement_endpoint(client):
    schema = client.get("/api/v1/openapi.json").json()
    operations = {
        (path, method): operation
        for path, methods in schema["paths"].items()
        if path.startswith(f"{BASE}/")
        for method, operation in methods.items()
    }
    expected = {
        (f"{BASE}/", "get"),
        (f"{BASE}/", "post"),
        (f"{BASE}/{{agreement_id}}", "get"),
        (f"{BASE}/{{agreement_id}}", "patch"),
        (f"{BASE}/{{agreement_id}}/transitions", "post"),
        (f"{BASE}/{{agreement_id}}/parties/{{party_id}}/signature", "post"),
        (f"{BASE}/{{agreement_id}}/provisions", "post"),
        (f"{BASE}/{{agreement_id}}/documents", "get"),
        (f"{BASE}/{{agreement_id}}/documents", "post"),
        (f"{BASE}/{{agreement_id}}/documents/{{document_id}}/download", "get"),
    }
    assert expected <= set(operations)
    assert all(operation.get("summary") for operation in operations.values())
    list_parameters = {p["name"] for p in operations[(f"{BASE}/", "get")]["parameters"]}
    assert {"search", "country", "institution", "kind", "status", "provision"} <= list_parameters
    assert {"ending_within_days", "page", "page_size"} <= list_parameters


def test_the_list_holds_others_public_agreements_only_with_scope_all(as_outsider, agreement):
    agreement.status = AgreementStatus.ACTIVE
    agreement.is_public = True
    agreement.save()

    own_only = as_outsider.get(f"{BASE}/").json()
    with_public = as_outsider.get(f"{BASE}/", {"scope": "all"}).json()

    assert own_only["count"] == 0
    assert [item["id"] for item in with_public["results"]] == [agreement.pk]


def test_an_unknown_scope_is_refused_naming_the_parameter(as_outsider):
    response = as_outsider.get(f"{BASE}/", {"scope": "everything"})

    assert problem(response, 422)["errors"].keys() == {"scope"}


# A party's own part ---------------------------------------------------------------------------


@pytest.fixture
def as_partner_officer(client, partner):
    client.force_login(MembershipFactory(institution=partner, role="officer").user)
    return client


def test_another_partys_staff_may_not_sign_name_a_coordinator_for_or_remove_a_party(
    as_partner_officer, agreement, institution, officer
):
    services.party_add(actor=officer, agreement=agreement, institution=InstitutionFactory())
    party = agreement.parties.get(institution=institution)
    before = agreement_row_counts()
    base = f"{BASE}/{agreement.pk}/parties/{party.pk}"

    responses = [
        as_partner_officer.post(
            f"{base}/signature",
            {"signatory_name": "Somebody", "signed_on": "2025-01-10"},
            content_type="application/json",
        ),
        as_partner_officer.put(
            f"{base}/coordinator", {"coordinator": officer.pk}, content_type="application/json"
        ),
        as_partner_officer.delete(base),
    ]

    for response in responses:
        body = problem(response, 403)
        assert body["detail"] == (
            f"Only the staff of {institution.name} may change what {institution.name} records."
        )
    party.refresh_from_db()
    assert (party.signatory_name, party.signed_on, party.coordinator) == ("", None, None)
    assert agreement_row_counts() == before


def test_a_party_leaves_through_the_api_and_still_reads_the_agreement(
    as_officer, agreement, institution, partner
):
    third = InstitutionFactory()
    added = as_officer.post(
        f"{BASE}/{agreement.pk}/parties",
        {"institution": third.slug},
        content_type="application/json",
    )
    assert added.status_code == 201, added.content
    party = agreement.parties.get(institution=institution)

    left = as_officer.delete(f"{BASE}/{agreement.pk}/parties/{party.pk}")

    assert left.status_code == 204
    detail = as_officer.get(f"{BASE}/{agreement.pk}")
    assert detail.status_code == 200
    body = detail.json()
    assert [p["institution"]["id"] for p in body["parties"]] == [partner.pk, third.pk]
    assert [f["institution"]["id"] for f in body["former_parties"]] == [institution.pk]
    assert body["permissions"] == {
        "change": False,
        "transition": False,
        "download_documents": True,
    }
    history = as_officer.get(f"{BASE}/{agreement.pk}/history")
    assert [e["action"] for e in history.json()][:2] == [
        "agreement.party_removed",
        "agreement.party_added",
    ]
    refused = as_officer.patch(
        f"{BASE}/{agreement.pk}", {"title": "Ours again"}, content_type="application/json"
    )
    assert problem(refused, 403)
