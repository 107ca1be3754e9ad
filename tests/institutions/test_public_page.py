import datetime as dt

import pytest

from accord.agreements.models import AgreementStatus, ProvisionKind
from accord.core.audit import audit_record
from tests.factories import (
    AgreementFactory,
    InstitutionFactory,
    MembershipFactory,
    ProvisionFactory,
)

pytestmark = pytest.mark.django_db


def _titles(response) -> list[str]:
    return sorted(item.agreement.title for item in response.context["profile"].agreements)


def test_public_page_lists_exactly_the_active_public_agreements(client, institution, partner):
    AgreementFactory(parties=[institution, partner], status="active", is_public=True, title="MoU A")
    AgreementFactory(
        parties=[partner, institution, InstitutionFactory(country="PL")],
        status="active",
        is_public=True,
        title="Trilateral B",
    )
    for status in AgreementStatus.values:
        if status != "active":
            AgreementFactory(
                parties=[institution, partner], status=status, is_public=True, title=f"P {status}"
            )
        AgreementFactory(parties=[institution, partner], status=status, title=f"Private {status}")
    AgreementFactory(parties=[partner], status="active", is_public=True, title="Partner alone")

    response = client.get(f"/p/{institution.slug}/")

    assert response.status_code == 200
    assert _titles(response) == ["MoU A", "Trilateral B"]


def test_private_and_unfinished_agreement_titles_never_appear(client, institution, partner):
    AgreementFactory(parties=[institution, partner], status="active", is_public=True, title="Shown")
    hidden = [
        AgreementFactory(parties=[institution, partner], status="active", title="Secret active"),
        AgreementFactory(
            parties=[institution, partner], status="draft", is_public=True, title="Public draft"
        ),
        AgreementFactory(
            parties=[institution, partner], status="negotiation", is_public=True, title="Talks"
        ),
        AgreementFactory(
            parties=[institution, partner], status="signing", is_public=True, title="Signing now"
        ),
        AgreementFactory(
            parties=[institution, partner], status="expired", is_public=True, title="Old one"
        ),
        AgreementFactory(
            parties=[institution, partner], status="terminated", is_public=True, title="Ended one"
        ),
    ]
    for agreement in hidden:
        audit_record(actor=None, action="agreement.created", target=agreement)

    html = client.get(f"/p/{institution.slug}/").content.decode()

    assert "Shown" in html
    for agreement in hidden:
        assert agreement.title not in html


def test_public_page_needs_no_login_and_unknown_slug_is_404(client, institution):
    assert client.get(f"/p/{institution.slug}/").status_code == 200
    assert client.get("/p/no-such-institution/").status_code == 404


def test_public_page_shows_facts_names_partners_and_provision_kinds(client, partner):
    kaznu = InstitutionFactory(
        name="Al-Farabi Kazakh National University",
        names={"kk": "Әл-Фараби атындағы Қазақ ұлттық университеті", "ru": "КазНУ им. аль-Фараби"},
        country="KZ",
        city="Almaty",
        website="https://www.kaznu.kz",
        ror_id="03q0vrn42",
        erasmus_code="KZ ALMATY01",
        schac_code="kaznu.kz",
    )
    polish = InstitutionFactory(name="University of Warsaw", country="PL")
    agreement = AgreementFactory(
        parties=[kaznu, partner], status="active", is_public=True, title="Science MoU"
    )
    ProvisionFactory(agreement=agreement, kind=ProvisionKind.CENTER_ACCESS)
    ProvisionFactory(agreement=agreement, kind=ProvisionKind.JOINT_EVENTS)
    ProvisionFactory(agreement=agreement, kind=ProvisionKind.JOINT_EVENTS)
    AgreementFactory(parties=[kaznu, polish, partner], status="active", is_public=True)

    response = client.get(f"/p/{kaznu.slug}/")

    html = response.content.decode()
    for text in [
        "Әл-Фараби атындағы Қазақ ұлттық университеті",
        "КазНУ им. аль-Фараби",
        "Almaty",
        'href="https://www.kaznu.kz"',
        'href="https://ror.org/03q0vrn42"',
        "KZ ALMATY01",
        "kaznu.kz",
        f'href="/p/{partner.slug}/"',
    ]:
        assert text in html
    science = next(
        item for item in response.context["profile"].agreements if item.agreement == agreement
    )
    assert science.partners == [partner]
    assert science.provision_kinds == ["Access to research centers", "Joint events"]
    assert response.context["profile"].partner_countries == {"AZ": 1, "PL": 1}
    assert response.context["partner_map"].data["highlight"] == [
        {"code": "KZ", "id": "398", "name": "Kazakhstan"}
    ]
    assert 'data-chart="world-map"' in html


def test_public_page_shows_no_emails_documents_or_signatories(client, institution, partner):
    coordinator = MembershipFactory(institution=institution, role="coordinator").user
    agreement = AgreementFactory(
        parties=[institution, partner],
        status="active",
        is_public=True,
        description="Internal notes on negotiation",
    )
    agreement.parties.update(
        coordinator=coordinator, signatory_name="Zhansaya Abdykarimova", signatory_position="Rector"
    )

    html = client.get(f"/p/{institution.slug}/").content.decode()

    assert coordinator.email not in html
    assert "@" not in html.split("<main", 1)[1].split("</main>", 1)[0]
    assert "Zhansaya Abdykarimova" not in html
    assert "Internal notes" not in html
    assert "/documents/" not in html


def test_public_page_escapes_html_in_names_and_titles(client):
    evil = InstitutionFactory(
        name='<script>alert("name")</script> Institute',
        names={"ru": "<b>bold</b>"},
        country="AZ",
    )
    partner = InstitutionFactory(name="<img src=x onerror=alert(2)>", country="PL")
    AgreementFactory(
        parties=[evil, partner],
        status="active",
        is_public=True,
        title="</script><script>alert('title')</script>",
    )

    html = client.get(f"/p/{evil.slug}/").content.decode()

    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "<b>bold" not in html
    assert "&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt; Institute" in html
    assert "&lt;/script&gt;&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;" in html


def test_javascript_website_is_not_made_a_link(client):
    institution = InstitutionFactory(website="javascript:alert(1)")

    html = client.get(f"/p/{institution.slug}/").content.decode()

    assert "javascript:alert" not in html


def test_institution_without_public_agreements_says_so(client, institution, partner):
    AgreementFactory(parties=[institution, partner], status="draft", is_public=True)

    html = client.get(f"/p/{institution.slug}/").content.decode()

    assert "has no active public agreements on Accord yet." in html
    assert "data-chart=" not in html


def test_public_page_runs_a_constant_number_of_queries(client, count_queries, institution):
    def add_agreements(n):
        for i in range(n):
            agreement = AgreementFactory(
                parties=[institution, InstitutionFactory(country=["AZ", "PL", "TR"][i % 3])],
                status="active",
                is_public=True,
            )
            ProvisionFactory(agreement=agreement)
            AgreementFactory(parties=[institution], status="draft")

    InstitutionFactory(parent=institution)
    add_agreements(1)
    client.get(f"/p/{institution.slug}/")
    with count_queries() as few:
        client.get(f"/p/{institution.slug}/")

    add_agreements(49)
    with count_queries() as many:
        response = client.get(f"/p/{institution.slug}/")

    assert len(response.context["profile"].agreements) == 50
    assert len(many.captured_queries) == len(few.captured_queries)


def test_directory_lists_institutions_with_public_agreements(client, institution, partner):
    quiet = InstitutionFactory(name="Quiet Institute")
    AgreementFactory(parties=[institution, partner], status="active", is_public=True)
    AgreementFactory(parties=[quiet, partner], status="active")

    response = client.get("/p/")

    assert response.status_code == 200
    assert [i.name for i in response.context["page"]] == [
        "Al-Farabi Kazakh National University",
        "Azerbaijan National Academy of Sciences",
    ]
    assert [i.public_agreements for i in response.context["page"]] == [1, 1]


def test_directory_search_finds_a_name_in_another_language(client):
    InstitutionFactory(
        name="Al-Farabi Kazakh National University", names={"ru": "КазНУ им. аль-Фараби"}
    )
    InstitutionFactory(name="University of Warsaw")

    response = client.get("/p/", {"q": "казну"})

    assert [i.name for i in response.context["page"]] == ["Al-Farabi Kazakh National University"]


def test_directory_runs_a_constant_number_of_queries(client, count_queries, partner):
    def add(n):
        for _ in range(n):
            AgreementFactory(
                parties=[InstitutionFactory(), partner], status="active", is_public=True
            )

    add(1)
    with count_queries() as few:
        client.get("/p/")
    add(49)
    with count_queries() as many:
        response = client.get("/p/")

    assert len(response.context["page"]) == 50
    assert len(many.captured_queries) == len(few.captured_queries)


def test_logged_in_visitors_see_the_same_public_page(client, institution, partner):
    AgreementFactory(parties=[institution, partner], status="active", is_public=True, title="Pub")
    AgreementFactory(parties=[institution, partner], status="active", title="Private one")
    client.force_login(MembershipFactory(institution=institution, role="officer").user)

    response = client.get(f"/p/{institution.slug}/")

    assert _titles(response) == ["Pub"]
    assert "Private one" not in response.content.decode()


@pytest.mark.parametrize(
    ("language", "period"),
    [
        ("en", "May 2025 – Jan 2030"),
        ("ru", "Май 2025 – Январь 2030"),
        ("pl", "maj 2025 – sty 2030"),
    ],
)
def test_an_agreements_months_are_named_as_the_language_names_a_month_alone(
    client, institution, partner, language, period
):
    # Without a day, Russian names May "май", not "мая" as in "4 мая 2025".
    AgreementFactory(
        parties=[institution, partner],
        status="active",
        is_public=True,
        valid_from=dt.date(2025, 5, 4),
        valid_to=dt.date(2030, 1, 31),
    )

    page = client.get(f"/p/{institution.slug}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert " ".join(period.split()) in " ".join(page.split())
