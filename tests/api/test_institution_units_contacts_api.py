"""An institution's units and contacts in the API: read by everyone who may use Accord, changed
by platform staff and the institution's admins, with the same checks as the institution page."""

import pytest

from accord.core.models import AuditEvent
from accord.institutions.models import Contact, Unit
from tests.api.test_institutions_api import bearer
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/institutions"


def test_anyone_who_may_use_accord_reads_the_units_and_contacts(client, institution, outsider):
    faculty = UnitFactory(institution=institution, name="Faculty of History", kind="faculty")
    Contact.objects.create(
        institution=institution, unit=faculty, name="Gulnara A.", email="g@kaznu.kz"
    )

    units = client.get(f"{API}/{institution.slug}/units", headers=bearer(outsider))
    contacts = client.get(f"{API}/{institution.slug}/contacts", headers=bearer(outsider))

    assert [unit["name"] for unit in units.json()] == ["Faculty of History"]
    assert contacts.json() == [
        {
            "id": Contact.objects.get().pk,
            "name": "Gulnara A.",
            "position": "",
            "email": "g@kaznu.kz",
            "phone": "",
            "unit_id": faculty.pk,
        }
    ]
    assert client.get(f"{API}/{institution.slug}/contacts").status_code == 401
    assert client.get(f"{API}/nowhere/contacts", headers=bearer(outsider)).status_code == 404


def test_an_admin_adds_a_unit_inside_another_and_a_contact_in_it(
    client, institution, institution_admin
):
    faculty = UnitFactory(institution=institution, name="Faculty of History", kind="faculty")

    unit = client.post(
        f"{API}/{institution.slug}/units",
        {"name": "Department of Archaeology", "kind": "department", "parent_id": faculty.pk},
        content_type="application/json",
        headers=bearer(institution_admin),
    )
    contact = client.post(
        f"{API}/{institution.slug}/contacts",
        {
            "name": "Rauf G.",
            "position": "Head",
            "phone": "+7 727 000",
            "unit_id": unit.json()["id"],
        },
        content_type="application/json",
        headers=bearer(institution_admin),
    )

    assert unit.status_code == 201
    assert unit.json()["parent_id"] == faculty.pk
    assert contact.status_code == 201
    assert Contact.objects.get().unit.name == "Department of Archaeology"
    assert set(AuditEvent.objects.values_list("action", flat=True)) >= {
        "unit.created",
        "contact.created",
    }


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("units", {"name": "Faculty of History", "kind": "faculty"}, "name"),
        ("units", {"name": "Lab", "kind": "institute", "parent_id": "OTHER"}, "parent_id"),
        ("units", {"name": "Lab", "kind": "spaceship"}, "kind"),
        ("contacts", {"name": "Nobody to reach"}, "email"),
        ("contacts", {"name": "R.", "email": "r@kaznu.kz", "unit_id": "OTHER"}, "unit_id"),
        ("contacts", {"name": "R.", "email": "not an address"}, "email"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_changes_nothing(
    client, institution, partner, institution_admin, path, body, field
):
    UnitFactory(institution=institution, name="Faculty of History", kind="faculty")
    elsewhere = UnitFactory(institution=partner, name="Institute of History", kind="institute")
    body = {key: elsewhere.pk if value == "OTHER" else value for key, value in body.items()}
    before = (Unit.objects.count(), Contact.objects.count(), AuditEvent.objects.count())

    response = client.post(
        f"{API}/{institution.slug}/{path}",
        body,
        content_type="application/json",
        headers=bearer(institution_admin),
    )

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"] or field in response.json()["detail"]
    assert (Unit.objects.count(), Contact.objects.count(), AuditEvent.objects.count()) == before


def test_nobody_but_staff_and_the_institutions_admins_changes_them(
    client, institution, outsider, officer
):
    unit = UnitFactory(institution=institution, name="Faculty of History", kind="faculty")
    contact = Contact.objects.create(institution=institution, name="G.", email="g@kaznu.kz")

    for user in (outsider, officer):
        answers = [
            client.post(
                f"{API}/{institution.slug}/units",
                {"name": "New", "kind": "faculty", "parent_id": 999999},
                content_type="application/json",
                headers=bearer(user),
            ),
            client.patch(
                f"{API}/{institution.slug}/contacts/{contact.pk}",
                {"name": "Changed"},
                content_type="application/json",
                headers=bearer(user),
            ),
            client.delete(f"{API}/{institution.slug}/units/{unit.pk}", headers=bearer(user)),
        ]
        assert [answer.status_code for answer in answers] == [403, 403, 403]
    assert list(Unit.objects.values_list("name", flat=True)) == ["Faculty of History"]
    assert Contact.objects.get().name == "G."


def test_an_admin_changes_and_removes_them(client, institution, institution_admin):
    faculty = UnitFactory(institution=institution, name="Faculty of History", kind="faculty")
    department = UnitFactory(
        institution=institution, name="Department", kind="department", parent=faculty
    )
    contact = Contact.objects.create(
        institution=institution, unit=department, name="G.", email="g@kaznu.kz"
    )
    headers = bearer(institution_admin)
    units = f"{API}/{institution.slug}/units"

    renamed = client.patch(
        f"{units}/{department.pk}",
        {"name": "Department of Archaeology", "parent_id": None},
        content_type="application/json",
        headers=headers,
    )
    circular = client.patch(
        f"{units}/{faculty.pk}",
        {"parent_id": faculty.pk},
        content_type="application/json",
        headers=headers,
    )
    detached = client.patch(
        f"{API}/{institution.slug}/contacts/{contact.pk}",
        {"unit_id": None},
        content_type="application/json",
        headers=headers,
    )
    removed = client.delete(f"{units}/{department.pk}", headers=headers)

    assert renamed.status_code == 200
    assert (renamed.json()["name"], renamed.json()["parent_id"]) == (
        "Department of Archaeology",
        None,
    )
    assert circular.status_code == 422
    assert "parent_id" in circular.json()["errors"]
    assert detached.json()["unit_id"] is None
    assert removed.status_code == 204
    assert list(Unit.objects.values_list("name", flat=True)) == ["Faculty of History"]
    assert (
        client.delete(
            f"{API}/{institution.slug}/contacts/{contact.pk}", headers=headers
        ).status_code
        == 204
    )
    assert not Contact.objects.exists()


def test_a_unit_with_units_of_its_own_is_not_removed(client, institution, institution_admin):
    faculty = UnitFactory(institution=institution, name="Faculty of History", kind="faculty")
    UnitFactory(institution=institution, name="Department", kind="department", parent=faculty)

    response = client.delete(
        f"{API}/{institution.slug}/units/{faculty.pk}", headers=bearer(institution_admin)
    )

    assert response.status_code == 422
    assert "has units of its own" in response.json()["detail"]
    assert Unit.objects.count() == 2


def test_a_unit_or_contact_of_another_institution_is_404_here(
    client, institution, partner, institution_admin
):
    theirs = UnitFactory(institution=partner, name="Institute of History", kind="institute")
    their_contact = Contact.objects.create(institution=partner, name="F.", email="f@science.az")

    unit = client.delete(
        f"{API}/{institution.slug}/units/{theirs.pk}", headers=bearer(institution_admin)
    )
    contact = client.patch(
        f"{API}/{institution.slug}/contacts/{their_contact.pk}",
        {"name": "Changed"},
        content_type="application/json",
        headers=bearer(institution_admin),
    )

    assert (unit.status_code, contact.status_code) == (404, 404)
    assert Unit.objects.filter(pk=theirs.pk).exists()
    assert Contact.objects.get(pk=their_contact.pk).name == "F."


def test_the_lists_run_the_same_queries_for_1_and_20_rows(
    client, institution, outsider, count_queries
):
    headers = bearer(outsider)
    client.get(f"{API}/{institution.slug}/units", headers=headers)  # records the token's use
    counted = []
    for rows in (1, 20):
        Contact.objects.all().delete()
        Unit.objects.all().delete()
        for n in range(rows):
            unit = UnitFactory(institution=institution, name=f"Faculty {n}", kind="faculty")
            Contact.objects.create(institution=institution, unit=unit, name=f"C{n}", email="c@x.kz")
        with count_queries() as units:
            listed = client.get(f"{API}/{institution.slug}/units", headers=headers).json()
        with count_queries() as contacts:
            found = client.get(f"{API}/{institution.slug}/contacts", headers=headers).json()
        assert (len(listed), len(found)) == (rows, rows)
        counted.append((len(units.captured_queries), len(contacts.captured_queries)))

    # token, institution, the rows (the contacts with their units)
    assert counted == [(3, 3), (3, 3)]


def test_the_openapi_document_describes_the_unit_and_contact_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    assert set(paths["/api/v1/institutions/{slug}/units/{unit_id}"]) == {"patch", "delete"}
    assert set(paths["/api/v1/institutions/{slug}/contacts"]) == {"get", "post"}
