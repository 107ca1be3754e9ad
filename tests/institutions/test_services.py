import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accord.core.models import AuditEvent
from accord.institutions import services
from accord.institutions.models import Contact, Institution, Unit
from tests.factories import (
    ContactFactory,
    InstitutionFactory,
    MembershipFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def create(actor, **values):
    defaults = {
        "name": "Azerbaijan National Academy of Sciences",
        "country": "AZ",
        "kind": "academy",
    }
    return services.institution_create(actor=actor, **{**defaults, **values})


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


# Creating


def test_staff_creates_an_institution_with_slug_search_text_and_audit(staff_user):
    institution = create(
        staff_user,
        names={"az": "Azərbaycan Milli Elmlər Akademiyası", "ru": " "},
        city=" Baku ",
        website="https://science.gov.az",
        ror_id="https://ror.org/04wxnsj81",
        schac_code="Science.Gov.AZ",
        erasmus_code="az baku01",
    )

    institution.refresh_from_db()
    assert institution.slug == "azerbaijan-national-academy-of-sciences"
    assert institution.names == {"az": "Azərbaycan Milli Elmlər Akademiyası"}
    assert institution.city == "Baku"
    assert institution.ror_id == "04wxnsj81"
    assert institution.schac_code == "science.gov.az"
    assert institution.erasmus_code == "AZ BAKU01"
    assert institution.search_text == (
        "azerbaijan national academy of sciences azərbaycan milli elmlər akademiyası"
    )
    [event] = events("institution.created")
    assert event.actor == staff_user
    assert event.target_id == str(institution.pk)
    assert event.changes["name"] == [None, "Azerbaijan National Academy of Sciences"]
    assert event.changes["ror_id"] == [None, "04wxnsj81"]
    assert "description" not in event.changes


def test_non_staff_may_not_create_institutions(officer):
    with pytest.raises(PermissionDenied):
        create(officer)
    assert not Institution.objects.filter(country="AZ").exists()


def test_unknown_country_is_refused_on_the_country_field(staff_user):
    with pytest.raises(ValidationError) as excinfo:
        create(staff_user, country="XX")
    assert excinfo.value.message_dict["country"] == [
        "“XX” is not a known country: use its ISO 3166 two-letter code, e.g. KZ."
    ]
    assert not Institution.objects.filter(name__startswith="Azerbaijan").exists()
    assert events("institution.created") == []


def test_duplicate_schac_code_is_refused(staff_user, institution):
    with pytest.raises(ValidationError) as excinfo:
        create(staff_user, schac_code=institution.schac_code.upper())
    assert excinfo.value.message_dict["schac_code"] == [
        "An institution with this SCHAC code (domain) already exists."
    ]
    assert Institution.objects.count() == 1


def test_invalid_ror_check_digit_is_refused_and_nothing_is_created(staff_user):
    with pytest.raises(ValidationError) as excinfo:
        create(staff_user, ror_id="04wxnsj82")
    assert "check digits" in excinfo.value.message_dict["ror_id"][0]
    assert Institution.objects.count() == 0


def test_every_invalid_field_is_reported_at_once(staff_user):
    with pytest.raises(ValidationError) as excinfo:
        create(staff_user, name=" ", country="XX", schac_code="not a domain", website="nope")
    assert set(excinfo.value.message_dict) == {"name", "country", "schac_code", "website"}


def test_same_names_get_numbered_slugs(staff_user):
    first = create(staff_user)
    second = create(staff_user)
    third = create(staff_user)
    assert [first.slug, second.slug, third.slug] == [
        "azerbaijan-national-academy-of-sciences",
        "azerbaijan-national-academy-of-sciences-2",
        "azerbaijan-national-academy-of-sciences-3",
    ]


def test_cyrillic_and_other_undecomposed_letters_are_romanised_in_the_slug(staff_user):
    kazakh = create(staff_user, name="Қазақ ұлттық университеті", schac_code="kaznu.kz")
    russian = create(staff_user, name="Московский государственный университет")
    polish = create(staff_user, name="Uniwersytet Wrocławski")
    azerbaijani = create(staff_user, name="Bakı Dövlət Universiteti")

    assert [kazakh.slug, russian.slug, polish.slug, azerbaijani.slug] == [
        "qazaq-ulttyq-universiteti",
        "moskovskii-gosudarstvennyi-universitet",
        "uniwersytet-wroclawski",
        "baki-dovlet-universiteti",
    ]


def test_a_name_with_no_letters_left_falls_back_on_the_domain_then_a_generic_slug(staff_user):
    by_domain = create(staff_user, name="東京大学", schac_code="u-tokyo.ac.jp")
    generic = create(staff_user, name="東京大学")
    generic_again = create(staff_user, name="東京大学")
    assert by_domain.slug == "u-tokyo-ac-jp"
    assert (generic.slug, generic_again.slug) == ("institution", "institution-2")


def test_a_slug_never_takes_a_reserved_path(staff_user):
    assert create(staff_user, name="New").slug == "new-2"


def test_latin_letters_with_diacritics_are_kept_in_the_slug(staff_user):
    assert create(staff_user, name="Fundação Hermínio Ometto").slug == "fundacao-herminio-ometto"


# Updating


def test_institution_admin_updates_it_with_before_and_after_audited(institution_admin, institution):
    slug = institution.slug
    services.institution_update(
        actor=institution_admin,
        institution=institution,
        names={"kk": "Әл-Фараби атындағы ҚазҰУ"},
        city="Almaty",
        name="Al-Farabi Kazakh National University",
    )

    institution.refresh_from_db()
    assert institution.slug == slug
    assert "әл-фараби атындағы қазұу" in institution.search_text
    [event] = events("institution.updated")
    assert event.actor == institution_admin
    assert event.changes == {"names": [{}, {"kk": "Әл-Фараби атындағы ҚазҰУ"}]}


def test_update_that_changes_nothing_records_nothing(institution_admin, institution):
    services.institution_update(
        actor=institution_admin, institution=institution, city=institution.city
    )
    assert events("institution.updated") == []


@pytest.mark.parametrize("role", ["officer", "coordinator", "researcher"])
def test_members_other_than_admins_may_not_update(institution, role):
    member = MembershipFactory(institution=institution, role=role).user
    with pytest.raises(PermissionDenied):
        services.institution_update(actor=member, institution=institution, name="Renamed")
    institution.refresh_from_db()
    assert institution.name == "Al-Farabi Kazakh National University"


def test_admin_of_another_institution_may_not_update(institution, partner):
    other_admin = MembershipFactory(institution=partner, role="admin").user
    with pytest.raises(PermissionDenied):
        services.institution_update(actor=other_admin, institution=institution, city="Paris")


def test_refused_update_leaves_database_and_object_unchanged(staff_user, institution):
    with pytest.raises(ValidationError):
        services.institution_update(
            actor=staff_user, institution=institution, name="Renamed", ror_id="04wxnsj82"
        )
    assert institution.name == "Al-Farabi Kazakh National University"
    institution.refresh_from_db()
    assert institution.name == "Al-Farabi Kazakh National University"
    assert institution.ror_id is None
    assert events("institution.updated") == []


def test_update_refuses_unknown_fields(staff_user, institution):
    with pytest.raises(TypeError):
        services.institution_update(actor=staff_user, institution=institution, slug="x")


def test_an_institution_cannot_become_part_of_its_own_part(staff_user, institution):
    institute = InstitutionFactory(parent=institution)
    with pytest.raises(ValidationError) as excinfo:
        services.institution_update(actor=staff_user, institution=institution, parent=institute)
    assert "part of itself" in excinfo.value.message_dict["parent"][0]
    with pytest.raises(ValidationError):
        services.institution_update(actor=staff_user, institution=institution, parent=institution)


def test_names_must_be_a_mapping_of_language_codes(staff_user, institution):
    with pytest.raises(ValidationError) as excinfo:
        services.institution_update(actor=staff_user, institution=institution, names=["x"])
    assert "names" in excinfo.value.message_dict


# Units


def test_admin_builds_a_unit_tree(institution_admin, institution):
    faculty = services.unit_create(
        actor=institution_admin, institution=institution, name="Faculty of History", kind="faculty"
    )
    center = services.unit_create(
        actor=institution_admin,
        institution=institution,
        name="Azerbaijani Center of History and Culture",
        kind="center",
        parent=faculty,
    )
    assert center.parent == faculty
    event = events("unit.created")[-1]
    assert event.changes["institution"] == [None, institution.slug]
    assert event.changes["parent"] == [None, "Faculty of History"]

    services.unit_update(
        actor=institution_admin, unit=center, name="Azerbaijani Center", parent=None
    )
    center.refresh_from_db()
    assert (center.name, center.parent) == ("Azerbaijani Center", None)
    [updated] = events("unit.updated")
    assert updated.changes == {
        "name": ["Azerbaijani Center of History and Culture", "Azerbaijani Center"],
        "parent": ["Faculty of History", None],
    }


def test_unit_names_are_unique_within_an_institution_whatever_the_case(
    institution_admin, institution
):
    UnitFactory(institution=institution, name="Faculty of History")
    UnitFactory(name="Faculty of Physics")
    with pytest.raises(ValidationError) as excinfo:
        services.unit_create(
            actor=institution_admin,
            institution=institution,
            name="faculty of history",
            kind="faculty",
        )
    assert excinfo.value.message_dict["name"] == [
        "This institution already has a unit with this name."
    ]
    services.unit_create(
        actor=institution_admin, institution=institution, name="Faculty of Physics", kind="faculty"
    )


def test_unit_of_another_institution_cannot_be_the_parent(institution_admin, institution):
    foreign = UnitFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.unit_create(
            actor=institution_admin,
            institution=institution,
            name="Lab",
            kind="center",
            parent=foreign,
        )
    assert "parent" in excinfo.value.message_dict


def test_unit_cannot_be_moved_under_its_own_part(institution_admin, institution):
    faculty = UnitFactory(institution=institution, name="Faculty")
    department = UnitFactory(institution=institution, name="Department", parent=faculty)
    with pytest.raises(ValidationError):
        services.unit_update(actor=institution_admin, unit=faculty, parent=department)
    faculty.refresh_from_db()
    assert faculty.parent is None


def test_unit_with_sub_units_is_not_removed(institution_admin, institution):
    faculty = UnitFactory(institution=institution, name="Faculty")
    UnitFactory(institution=institution, name="Department", parent=faculty)
    with pytest.raises(ValidationError) as excinfo:
        services.unit_remove(actor=institution_admin, unit=faculty)
    assert "units of its own" in excinfo.value.messages[0]
    assert Unit.objects.filter(pk=faculty.pk).exists()
    assert events("unit.removed") == []


def test_removing_a_unit_keeps_its_contacts_with_the_institution(institution_admin, institution):
    unit = UnitFactory(institution=institution)
    contact = ContactFactory(institution=institution, unit=unit)
    services.unit_remove(actor=institution_admin, unit=unit)
    contact.refresh_from_db()
    assert contact.unit is None
    assert not Unit.objects.filter(pk=unit.pk).exists()
    [event] = events("unit.removed")
    assert event.changes["name"] == [unit.name, None]


def test_non_admin_may_not_change_units(officer, institution):
    unit = UnitFactory(institution=institution)
    with pytest.raises(PermissionDenied):
        services.unit_create(actor=officer, institution=institution, name="X", kind="center")
    with pytest.raises(PermissionDenied):
        services.unit_update(actor=officer, unit=unit, name="Renamed")
    with pytest.raises(PermissionDenied):
        services.unit_remove(actor=officer, unit=unit)
    assert Unit.objects.get().name == unit.name


# Contacts


def test_admin_adds_updates_and_removes_a_contact(institution_admin, institution):
    unit = UnitFactory(institution=institution)
    contact = services.contact_create(
        actor=institution_admin,
        institution=institution,
        name="Aigerim Bekova",
        position="Head of the International Office",
        email="international@kaznu.kz",
        phone="+7 727 377 33 33",
        unit=unit,
    )
    services.contact_update(
        actor=institution_admin, contact=contact, position="Vice-rector", unit=None
    )
    contact.refresh_from_db()
    assert (contact.position, contact.unit) == ("Vice-rector", None)
    services.contact_remove(actor=institution_admin, contact=contact)
    assert not Contact.objects.exists()
    assert [e.action for e in AuditEvent.objects.order_by("id")] == [
        "contact.created",
        "contact.updated",
        "contact.removed",
    ]


def test_contact_needs_an_email_or_a_phone(institution_admin, institution):
    with pytest.raises(ValidationError) as excinfo:
        services.contact_create(actor=institution_admin, institution=institution, name="Nobody")
    assert excinfo.value.message_dict["email"] == ["Give an e-mail address or a phone number."]


def test_contact_phone_and_email_are_checked(institution_admin, institution):
    with pytest.raises(ValidationError) as excinfo:
        services.contact_create(
            actor=institution_admin,
            institution=institution,
            name="X",
            email="not-mail",
            phone="call me",
        )
    assert set(excinfo.value.message_dict) == {"email", "phone"}


def test_contact_unit_must_belong_to_the_institution(institution_admin, institution):
    with pytest.raises(ValidationError) as excinfo:
        services.contact_create(
            actor=institution_admin,
            institution=institution,
            name="X",
            email="x@kaznu.kz",
            unit=UnitFactory(),
        )
    assert "unit" in excinfo.value.message_dict


def test_non_admin_may_not_change_contacts(institution):
    stranger = UserFactory()
    contact = ContactFactory(institution=institution)
    with pytest.raises(PermissionDenied):
        services.contact_update(actor=stranger, contact=contact, name="Changed")
    with pytest.raises(PermissionDenied):
        services.contact_remove(actor=stranger, contact=contact)
    assert Contact.objects.get().name == contact.name
