import pytest
from django.urls import reverse

from accord.core.models import AuditEvent
from accord.institutions.models import Contact, Institution, Unit
from tests.factories import ContactFactory, InstitutionFactory, UnitFactory

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def detail_url(institution):
    return reverse("institutions:detail", kwargs={"slug": institution.slug})


def url(name: str, institution: Institution, **kwargs) -> str:
    return reverse(f"institutions:{name}", kwargs={"slug": institution.slug, **kwargs})


def institution_form_data(**changes) -> dict[str, str]:
    data = {
        "name": "Azerbaijan National Academy of Sciences",
        "name_az": "Azərbaycan Milli Elmlər Akademiyası",
        "kind": "academy",
        "country": "AZ",
        "city": "Baku",
        "website": "https://science.gov.az",
        "ror_id": "",
        "schac_code": "science.gov.az",
        "erasmus_code": "",
        "parent": "",
        "description": "",
    }
    return {**data, **changes}


# List


def test_pages_need_a_login(client, institution, detail_url):
    for page in (reverse("institutions:list"), detail_url, reverse("institutions:create")):
        response = client.get(page)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_list_shows_the_register_with_search_and_filters(client, officer, institution, partner):
    client.force_login(officer)

    response = client.get(reverse("institutions:list"))

    assert response.status_code == 200
    assert response.context["nav"] == "institutions"
    assert list(response.context["page"].object_list) == [institution, partner]
    assert response.context["form"].fields["country"].choices == [
        ("", "All countries"),
        ("AZ", "Azerbaijan"),
        ("KZ", "Kazakhstan"),
    ]
    assert not response.context["can_add"]
    assert reverse("institutions:create") not in response.content.decode()

    response = client.get(reverse("institutions:list"), {"q": "academy", "country": "", "kind": ""})
    assert list(response.context["page"].object_list) == [partner]
    response = client.get(reverse("institutions:list"), {"country": "KZ"})
    assert list(response.context["page"].object_list) == [institution]
    response = client.get(reverse("institutions:list"), {"q": "nothing like this"})
    assert "No institution matches this search." in response.content.decode()


def test_an_invalid_filter_is_ignored_not_an_error(client, officer, institution):
    client.force_login(officer)
    response = client.get(reverse("institutions:list"), {"q": "farabi", "kind": "castle"})
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [institution]


def test_list_pages_by_fifty_and_keeps_the_filters(client, officer):
    InstitutionFactory.create_batch(51, country="PL")
    client.force_login(officer)

    first = client.get(reverse("institutions:list"), {"country": "PL"})
    second = client.get(reverse("institutions:list"), {"country": "PL", "page": 2})

    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 1
    assert "?country=PL&amp;page=2" in first.content.decode()


def test_staff_see_the_add_button(client, staff_user):
    client.force_login(staff_user)
    response = client.get(reverse("institutions:list"))
    assert response.context["can_add"]
    assert reverse("institutions:create") in response.content.decode()


def queries_for_list(client, count_queries, rows: int, country: str) -> int:
    for _ in range(rows):
        parent = InstitutionFactory(country="AZ")
        InstitutionFactory(country=country, parent=parent, names={"pl": "Uniwersytet"})
    with count_queries() as context:
        response = client.get(reverse("institutions:list"), {"country": country})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == rows
    return len(context.captured_queries)


def test_list_runs_the_same_number_of_queries_for_1_and_50_rows(client, officer, count_queries):
    client.force_login(officer)
    one = queries_for_list(client, count_queries, 1, "PL")
    fifty = queries_for_list(client, count_queries, 50, "DE")
    assert one == fifty


def test_html_in_names_is_escaped_on_list_and_detail(client, staff_user):
    institution = InstitutionFactory(
        name=f"Evil {SCRIPT} University",
        names={"ru": f"Зло {SCRIPT}"},
        description=f"About {SCRIPT}",
        city=SCRIPT,
    )
    UnitFactory(institution=institution, name=f"Unit {SCRIPT}")
    ContactFactory(institution=institution, name=f"Contact {SCRIPT}")
    client.force_login(staff_user)

    for page in (reverse("institutions:list"), url("detail", institution)):
        content = client.get(page).content.decode()
        assert SCRIPT not in content
        assert ESCAPED in content
    detail = client.get(url("detail", institution)).content.decode()
    assert f"About {ESCAPED}" in detail
    assert f"Unit {ESCAPED}" in detail
    assert f"Contact {ESCAPED}" in detail


# Detail


def test_detail_shows_identifiers_structure_units_and_contacts(client, officer, institution):
    institution.ror_id = "04wxnsj81"
    institution.erasmus_code = "KZ ALMATY01"
    institution.names = {"ru": "Казахский национальный университет"}
    institution.save()
    institute = InstitutionFactory(name="Institute of Archaeology", parent=institution)
    faculty = UnitFactory(institution=institution, name="Faculty of History", kind="faculty")
    UnitFactory(institution=institution, name="Azerbaijani Center", parent=faculty)
    ContactFactory(institution=institution, name="Aigerim Bekova", email="io@kaznu.kz")
    client.force_login(officer)

    response = client.get(url("detail", institution))

    content = response.content.decode()
    assert response.context["nav"] == "institutions"
    assert 'href="https://ror.org/04wxnsj81"' in content
    assert institution.schac_code in content
    assert "Казахский национальный университет" in content
    assert institute.get_absolute_url() in content
    assert [(n.unit.name, n.depth) for n in response.context["units"]] == [
        ("Faculty of History", 0),
        ("Azerbaijani Center", 1),
    ]
    assert "mailto:io@kaznu.kz" in content
    assert not response.context["can_change"]
    assert response.context["unit_form"] is None
    assert url("edit", institution) not in content

    sub = client.get(url("detail", institute)).content.decode()
    assert institution.get_absolute_url() in sub


def test_detail_of_an_unknown_institution_is_404(client, officer):
    client.force_login(officer)
    assert client.get("/institutions/no-such-place/").status_code == 404


def test_admin_sees_the_editing_controls(client, institution_admin, institution):
    client.force_login(institution_admin)
    response = client.get(url("detail", institution))
    assert response.context["can_change"]
    assert url("edit", institution) in response.content.decode()
    assert url("unit_add", institution) in response.content.decode()


# Create and edit


def test_staff_adds_an_institution(client, staff_user, institution):
    client.force_login(staff_user)
    assert client.get(reverse("institutions:create")).status_code == 200

    response = client.post(
        reverse("institutions:create"),
        institution_form_data(parent=institution.schac_code, ror_id="https://ror.org/04wxnsj81"),
    )

    created = Institution.objects.get(schac_code="science.gov.az")
    assert response.status_code == 302
    assert response.url == created.get_absolute_url()
    assert created.names == {"az": "Azərbaycan Milli Elmlər Akademiyası"}
    assert created.parent == institution
    assert created.ror_id == "04wxnsj81"
    assert AuditEvent.objects.filter(action="institution.created", actor=staff_user).count() == 1


def test_non_staff_may_not_open_or_post_the_add_form(client, institution_admin):
    client.force_login(institution_admin)
    assert client.get(reverse("institutions:create")).status_code == 403
    assert client.post(reverse("institutions:create"), institution_form_data()).status_code == 403
    assert not Institution.objects.filter(schac_code="science.gov.az").exists()


def test_add_form_shows_every_error_and_keeps_the_input(client, staff_user, institution):
    client.force_login(staff_user)

    response = client.post(
        reverse("institutions:create"),
        institution_form_data(
            schac_code=institution.schac_code,
            ror_id="04wxnsj82",
            erasmus_code="garbage",
            parent="no-such-parent",
        ),
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"ror_id", "erasmus_code", "parent"}
    assert "check digits" in errors["ror_id"][0]
    assert 'value="Azerbaijan National Academy of Sciences"' in response.content.decode()
    assert Institution.objects.count() == 1

    response = client.post(
        reverse("institutions:create"), institution_form_data(schac_code=institution.schac_code)
    )
    assert response.context["form"].errors["schac_code"] == [
        "An institution with this SCHAC code (domain) already exists."
    ]
    assert "An institution with this SCHAC code (domain) already exists." in (
        response.content.decode()
    )
    assert Institution.objects.count() == 1


def test_admin_edits_own_institution_and_names_in_other_languages_are_kept(
    client, institution_admin, institution
):
    institution.names = {"de": "Kasachische Nationaluniversität", "ru": "Старое"}
    institution.save()
    client.force_login(institution_admin)
    form = client.get(url("edit", institution)).context["form"]
    data = {name: ("" if value is None else value) for name, value in form.initial.items()}
    data.update(parent="", name_ru="Казахский национальный университет", city="Almaty")

    response = client.post(url("edit", institution), data)

    assert response.status_code == 302
    institution.refresh_from_db()
    assert institution.names == {
        "de": "Kasachische Nationaluniversität",
        "ru": "Казахский национальный университет",
    }
    assert institution.city == "Almaty"


def test_non_admin_editing_gets_403_and_nothing_changes(client, officer, institution):
    client.force_login(officer)
    data = institution_form_data(name="Taken over", schac_code=institution.schac_code)

    assert client.get(url("edit", institution)).status_code == 403
    assert client.post(url("edit", institution), data).status_code == 403

    institution.refresh_from_db()
    assert institution.name == "Al-Farabi Kazakh National University"
    assert not AuditEvent.objects.exists()


def test_refused_edit_re_renders_with_the_error(client, staff_user, institution, partner):
    client.force_login(staff_user)
    data = institution_form_data(name="Renamed", schac_code=partner.schac_code, country="KZ")

    response = client.post(url("edit", institution), data)

    assert response.status_code == 200
    assert "schac_code" in response.context["form"].errors
    institution.refresh_from_db()
    assert institution.name == "Al-Farabi Kazakh National University"


# Units and contacts


def test_admin_adds_edits_and_removes_units(client, institution_admin, institution):
    client.force_login(institution_admin)

    response = client.post(
        url("unit_add", institution), {"unit-name": "Faculty of History", "unit-kind": "faculty"}
    )
    assert response.status_code == 302
    assert response.url == f"{institution.get_absolute_url()}#units"
    faculty = Unit.objects.get(name="Faculty of History")

    client.post(
        url("unit_add", institution),
        {"unit-name": "Azerbaijani Center", "unit-kind": "center", "unit-parent": faculty.pk},
    )
    center = Unit.objects.get(name="Azerbaijani Center")
    assert center.parent == faculty

    edit = url("unit_edit", institution, pk=center.pk)
    assert client.get(edit).status_code == 200
    response = client.post(edit, {"name": "Center of Culture", "kind": "center", "parent": ""})
    assert response.status_code == 302
    center.refresh_from_db()
    assert (center.name, center.parent) == ("Center of Culture", None)

    response = client.post(url("unit_remove", institution, pk=center.pk))
    assert response.status_code == 302
    assert not Unit.objects.filter(pk=center.pk).exists()


def test_a_units_names_in_other_languages_are_added_and_edited_on_the_page(
    client, institution_admin, institution
):
    client.force_login(institution_admin)

    client.post(
        url("unit_add", institution),
        {
            "unit-name": "Faculty of Philology",
            "unit-kind": "faculty",
            "unit-name_ru": " Филологический факультет ",
            "unit-name_kk": "Филология факультеті",
        },
    )
    faculty = Unit.objects.get(name="Faculty of Philology")
    assert faculty.names == {"ru": "Филологический факультет", "kk": "Филология факультеті"}

    # A name in a language the form does not offer is kept; a cleared one is dropped.
    faculty.names = {**faculty.names, "de": "Philologische Fakultät"}
    faculty.save()
    edit = url("unit_edit", institution, pk=faculty.pk)
    form_page = client.get(edit).content.decode()
    client.post(
        edit,
        {
            "name": "Faculty of Philology",
            "kind": "faculty",
            "name_ru": "Факультет филологии",
            "name_kk": "",
        },
    )

    faculty.refresh_from_db()
    assert 'value="Филология факультеті"' in form_page
    assert faculty.names == {"ru": "Факультет филологии", "de": "Philologische Fakultät"}


def test_unit_errors_re_render_the_detail_page_with_the_form_open(
    client, institution_admin, institution
):
    UnitFactory(institution=institution, name="Faculty of History")
    client.force_login(institution_admin)

    response = client.post(
        url("unit_add", institution), {"unit-name": "faculty of history", "unit-kind": "faculty"}
    )

    assert response.status_code == 200
    assert response.context["unit_form"].errors["name"] == [
        "This institution already has a unit with this name."
    ]
    assert '<details class="add-form" open>' in response.content.decode()
    assert Unit.objects.count() == 1


def test_removing_a_unit_with_sub_units_shows_why(client, institution_admin, institution):
    faculty = UnitFactory(institution=institution, name="Faculty")
    UnitFactory(institution=institution, name="Department", parent=faculty)
    client.force_login(institution_admin)

    response = client.post(url("unit_remove", institution, pk=faculty.pk), follow=True)

    assert "has units of its own" in response.content.decode()
    assert Unit.objects.count() == 2


def test_units_of_another_institution_are_404(client, institution_admin, institution):
    foreign = UnitFactory()
    client.force_login(institution_admin)
    assert client.get(url("unit_edit", institution, pk=foreign.pk)).status_code == 404
    assert client.post(url("unit_remove", institution, pk=foreign.pk)).status_code == 404
    assert Unit.objects.filter(pk=foreign.pk).exists()


def test_non_admin_may_not_change_units_or_contacts(client, officer, institution):
    unit = UnitFactory(institution=institution)
    contact = ContactFactory(institution=institution)
    client.force_login(officer)

    posts = [
        (url("unit_add", institution), {"unit-name": "X", "unit-kind": "center"}),
        (url("unit_edit", institution, pk=unit.pk), {"name": "X", "kind": "center"}),
        (url("unit_remove", institution, pk=unit.pk), {}),
        (url("contact_add", institution), {"contact-name": "X", "contact-email": "x@x.kz"}),
        (url("contact_edit", institution, pk=contact.pk), {"name": "X", "email": "x@x.kz"}),
        (url("contact_remove", institution, pk=contact.pk), {}),
    ]
    for path, data in posts:
        assert client.post(path, data).status_code == 403, path
    assert list(Unit.objects.values_list("name", flat=True)) == [unit.name]
    assert list(Contact.objects.values_list("name", flat=True)) == [contact.name]


def test_admin_adds_edits_and_removes_contacts(client, institution_admin, institution):
    unit = UnitFactory(institution=institution, name="International Office")
    client.force_login(institution_admin)

    response = client.post(
        url("contact_add", institution),
        {
            "contact-name": "Aigerim Bekova",
            "contact-position": "Head",
            "contact-email": "io@kaznu.kz",
            "contact-phone": "+7 727 377 33 33",
            "contact-unit": unit.pk,
        },
    )
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert (contact.unit, contact.phone) == (unit, "+7 727 377 33 33")

    edit = url("contact_edit", institution, pk=contact.pk)
    assert client.get(edit).status_code == 200
    client.post(edit, {"name": "Aigerim Bekova", "position": "Vice-rector", "email": "io@kaznu.kz"})
    contact.refresh_from_db()
    assert (contact.position, contact.unit) == ("Vice-rector", None)

    client.post(url("contact_remove", institution, pk=contact.pk))
    assert not Contact.objects.exists()


def test_contact_errors_re_render_the_detail_page(client, institution_admin, institution):
    client.force_login(institution_admin)
    response = client.post(url("contact_add", institution), {"contact-name": "Nobody"})
    assert response.status_code == 200
    assert response.context["contact_form"].errors["email"] == [
        "Give an e-mail address or a phone number."
    ]
    assert not Contact.objects.exists()


def test_edit_pages_answer_only_post_where_they_change_things(
    client, institution_admin, institution
):
    unit = UnitFactory(institution=institution)
    client.force_login(institution_admin)
    assert client.get(url("unit_add", institution)).status_code == 405
    assert client.get(url("unit_remove", institution, pk=unit.pk)).status_code == 405
