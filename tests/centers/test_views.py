"""The research-center pages: who sees and does what, and what a researcher or manager reads."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accord.centers import services
from accord.centers.models import Booking, BookingStatus, CalendarFeed, CenterPhoto, Training
from accord.core.models import Role
from tests.centers.world import at, build_world, member, next_monday, request
from tests.factories import InstitutionFactory, UserFactory

pytestmark = pytest.mark.django_db
B = BookingStatus
# A 1x1 transparent PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6300010000000500010d0a2db40000000049454e44ae426082"
)


def slot_post(start: dt.datetime, hours: int = 1, **extra: object) -> dict[str, object]:
    local = timezone.localtime(start)
    return {
        "starts_at": local.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (local + dt.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M"),
        "purpose": "Reading the letters of Huseyn Javid",
        "project": "Javid 135",
        "repeat_weeks": "0",
        **extra,
    }


# Who may see what ----------------------------------------------------------------------------


def test_the_facility_search_needs_a_login(client):
    response = client.get(reverse("centers:list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_partner_researcher_finds_the_facility_an_agreement_opens(client):
    world = build_world()
    client.force_login(world.guest)

    response = client.get(reverse("centers:list"), {"q": "scanner"})

    assert response.status_code == 200
    assert [facility.pk for facility in response.context["page"].object_list] == [world.facility.pk]
    assert world.center.name in response.content.decode()


def test_researcher_of_an_institution_without_agreement_finds_nothing(client):
    world = build_world()
    client.force_login(member(InstitutionFactory()))

    response = client.get(reverse("centers:list"))

    assert list(response.context["page"].object_list) == []
    assert world.facility.name not in response.content.decode()


def test_a_public_center_page_is_open_to_anybody_without_its_usage(client):
    world = build_world()
    request(world, world.guest, at(next_monday(), 10))

    response = client.get(world.center.get_absolute_url())

    assert response.status_code == 200
    assert response.context["usage"] is None
    assert "Export CSV" not in response.content.decode()
    assert world.facility.name in response.content.decode()


def test_a_private_center_answers_404_to_visitors_and_outsiders(client):
    world = build_world()
    services.center_update(actor=world.officer, center=world.center, is_public=False)

    assert client.get(world.center.get_absolute_url()).status_code == 404
    client.force_login(member(InstitutionFactory()))
    assert client.get(world.center.get_absolute_url()).status_code == 404
    assert client.get(world.facility.get_absolute_url()).status_code == 404
    client.force_login(world.guest)
    assert client.get(world.facility.get_absolute_url()).status_code == 200


def test_manager_sees_usage_and_exports_it_as_csv(client):
    world = build_world()
    booking = request(world, world.guest, at(next_monday(), 10), hours=2)
    services.booking_approve(actor=world.manager, booking=booking)
    client.force_login(world.manager)

    page = client.get(world.center.get_absolute_url(), {"year": booking.starts_at.year})
    export = client.get(
        reverse("centers:usage_export", args=[world.center.slug]),
        {"year": booking.starts_at.year},
    )

    assert [row.hours for row in page.context["usage"]] == [2.0]
    assert export.status_code == 200
    assert export["Content-Type"].startswith("text/csv")
    lines = export.content.decode().splitlines()
    assert lines[0] == "Year,Institution,Country,Agreement,Bookings,Hours"
    assert lines[1:] == [
        f"{booking.starts_at.year},{world.partner.name},AZ,{world.agreement.title},1,2.00"
    ]


def test_researcher_cannot_open_the_manager_pages(client):
    world = build_world()
    client.force_login(world.guest)

    for url in (
        reverse("centers:edit", args=[world.center.slug]),
        reverse("centers:facility_create", args=[world.center.slug]),
        reverse("centers:usage_export", args=[world.center.slug]),
        reverse("centers:facility_edit", args=[world.facility.pk]),
        reverse("centers:facility_hours", args=[world.facility.pk]),
    ):
        assert client.get(url).status_code == 403, url
    response = client.post(
        reverse("centers:training_grant", args=[world.facility.pk]),
        {"training-user": world.guest.username},
    )
    assert response.status_code == 403
    assert not Training.objects.exists()


def test_only_officers_and_admins_may_open_a_new_center(client):
    world = build_world()
    client.force_login(world.guest)
    assert client.get(reverse("centers:create")).status_code == 403

    client.force_login(world.officer)
    response = client.post(
        reverse("centers:create"),
        {"institution": world.host.pk, "name": "Center of Turkic Studies", "is_public": "on"},
    )

    created = world.host.research_centers.get(name="Center of Turkic Studies")
    assert response.status_code == 302
    assert response["Location"] == created.get_absolute_url()


def test_a_new_center_is_for_the_officers_only_institution_unless_there_are_more(client):
    world = build_world()
    client.force_login(world.officer)

    only_one = client.get(reverse("centers:create")).context["form"]["institution"]
    world.officer.memberships.create(institution=world.partner, role=Role.OFFICER)
    two = client.get(reverse("centers:create")).context["form"]["institution"]

    assert only_one.value() == world.host.pk
    assert [label for _value, label in only_one.field.choices] == [world.host.name]
    assert two.value() is None
    labels = [label for _value, label in two.field.choices]
    assert labels[0] == "Choose an institution"
    assert sorted(labels[1:]) == sorted([world.host.name, world.partner.name])


# Booking -------------------------------------------------------------------------------------


def test_partner_researcher_books_through_the_facility_page(client):
    world = build_world()
    client.force_login(world.guest)

    response = client.post(
        reverse("centers:facility_book", args=[world.facility.pk]),
        slot_post(at(next_monday(), 10)),
    )

    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == booking.get_absolute_url()
    assert booking.requester == world.guest
    assert booking.agreement == world.agreement
    assert booking.status == B.REQUESTED


def test_a_clicked_slot_fills_in_the_booking_form(client):
    world = build_world()
    client.force_login(world.guest)

    response = client.get(
        world.facility.get_absolute_url(),
        {"starts_at": "2030-01-07T10:00", "ends_at": "2030-01-07T11:00"},
    )

    html = response.content.decode()
    assert 'value="2030-01-07T10:00"' in html
    assert 'value="2030-01-07T11:00"' in html


def test_the_week_shows_free_and_taken_slots_and_moves_by_weeks(client):
    world = build_world()
    monday = next_monday()
    booking = request(world, world.researcher, at(monday, 10))
    services.booking_approve(actor=world.manager, booking=booking)
    client.force_login(world.guest)

    response = client.get(world.facility.get_absolute_url(), {"week": monday.isoformat()})

    html = response.content.decode()
    assert response.context["week_start"] == monday
    assert response.context["next_week"] == (monday + dt.timedelta(days=7)).isoformat()
    assert html.count('class="centers-slot is-taken"') == 1
    assert f'data-starts="{monday.isoformat()}T11:00"' in html
    assert f'data-starts="{monday.isoformat()}T10:00"' not in html
    # Other people's bookings are "taken", without their names.
    assert world.researcher.username not in html


def test_htmx_asks_for_the_week_alone(client):
    world = build_world()
    client.force_login(world.guest)

    response = client.get(
        world.facility.get_absolute_url(),
        {"week": next_monday().isoformat()},
        headers={"HX-Request": "true", "HX-Target": "week"},
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="week"')
    assert "<html" not in html


def test_outsider_cannot_post_a_booking(client):
    world = build_world()
    client.force_login(member(InstitutionFactory()))

    response = client.post(
        reverse("centers:facility_book", args=[world.facility.pk]),
        slot_post(at(next_monday(), 10)),
    )

    assert response.status_code == 403
    assert not Booking.objects.exists()


def test_booking_outside_opening_hours_is_shown_next_to_the_field_and_nothing_is_saved(client):
    world = build_world()
    client.force_login(world.guest)

    response = client.post(
        reverse("centers:facility_book", args=[world.facility.pk]),
        slot_post(at(next_monday(), 18)),
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "outside the facility's opening hours" in errors["starts_at"][0]
    assert "outside the facility" in response.content.decode()
    assert not Booking.objects.exists()
    # The re-rendered week still moves on the facility's page, not on the form's address.
    assert f'href="{world.facility.get_absolute_url()}?week=' in response.content.decode()


def test_booking_that_ends_before_it_starts_is_refused(client):
    world = build_world()
    client.force_login(world.guest)
    data = slot_post(at(next_monday(), 12))
    data["ends_at"] = f"{next_monday().isoformat()}T11:00"

    response = client.post(reverse("centers:facility_book", args=[world.facility.pk]), data)

    assert response.context["form"].errors["ends_at"] == ["The booking must end after it starts."]
    assert not Booking.objects.exists()


def test_untrained_researcher_is_told_the_facility_needs_training(client):
    world = build_world(requires_training=True)
    client.force_login(world.guest)

    page = client.get(world.facility.get_absolute_url())
    response = client.post(
        reverse("centers:facility_book", args=[world.facility.pk]),
        slot_post(at(next_monday(), 10)),
    )

    assert "requires training first" in page.content.decode()
    assert response.status_code == 200
    assert "requires training first" in response.context["form"].non_field_errors()[0]
    assert not Booking.objects.exists()


def test_a_taken_slot_can_be_joined_on_the_waiting_list(client):
    world = build_world()
    first = request(world, world.researcher, at(next_monday(), 10))
    services.booking_approve(actor=world.manager, booking=first)
    client.force_login(world.guest)

    refused = client.post(
        reverse("centers:facility_book", args=[world.facility.pk]),
        slot_post(at(next_monday(), 10)),
    )
    waiting = client.post(
        reverse("centers:facility_book", args=[world.facility.pk]),
        slot_post(at(next_monday(), 10), waitlist="on"),
        follow=True,
    )

    assert refused.status_code == 200
    assert refused.context["form"].errors
    assert Booking.objects.get(requester=world.guest).status == B.WAITLISTED
    assert "waiting list" in waiting.content.decode()


# Deciding and cancelling ---------------------------------------------------------------------


def test_manager_approves_from_the_queue(client):
    world = build_world()
    booking = request(world, world.guest, at(next_monday(), 10))
    client.force_login(world.manager)

    queue = client.get(reverse("centers:queue"))
    response = client.post(
        reverse("centers:booking_approve", args=[booking.pk]), {"next": reverse("centers:queue")}
    )

    assert [row.pk for row in queue.context["page"].object_list] == [booking.pk]
    assert response["Location"] == reverse("centers:queue")
    booking.refresh_from_db()
    assert booking.status == B.APPROVED
    assert booking.decided_by == world.manager


def test_reject_without_a_reason_changes_nothing(client):
    world = build_world()
    booking = request(world, world.guest, at(next_monday(), 10))
    client.force_login(world.manager)

    response = client.post(reverse("centers:booking_reject", args=[booking.pk]), {"reason": ""})
    booking.refresh_from_db()
    assert booking.status == B.REQUESTED
    client.post(
        reverse("centers:booking_reject", args=[booking.pk]),
        {"reason": "The room is being painted."},
    )

    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == B.REJECTED
    assert booking.decision_reason == "The room is being painted."


def test_someone_who_does_not_manage_the_center_cannot_decide(client):
    world = build_world()
    booking = request(world, world.guest, at(next_monday(), 10))
    other_officer = member(InstitutionFactory(), Role.OFFICER)

    client.force_login(world.guest)
    assert client.post(reverse("centers:booking_approve", args=[booking.pk])).status_code == 403
    client.force_login(other_officer)
    assert client.post(reverse("centers:booking_approve", args=[booking.pk])).status_code == 404
    assert list(client.get(reverse("centers:queue")).context["page"].object_list) == []

    booking.refresh_from_db()
    assert booking.status == B.REQUESTED


def test_nobody_else_sees_or_cancels_someone_elses_booking(client):
    world = build_world()
    booking = request(world, world.guest, at(next_monday(), 10))
    client.force_login(world.researcher)

    assert client.get(booking.get_absolute_url()).status_code == 404
    assert client.post(reverse("centers:booking_cancel", args=[booking.pk])).status_code == 404
    booking.refresh_from_db()
    assert booking.status == B.REQUESTED


def test_requester_cancels_from_my_bookings(client):
    world = build_world()
    booking = request(world, world.guest, at(next_monday(), 10))
    client.force_login(world.guest)

    page = client.get(reverse("centers:my_bookings"))
    response = client.post(
        reverse("centers:booking_cancel", args=[booking.pk]),
        {"next": reverse("centers:my_bookings")},
    )

    assert page.context["cancellable"] == {booking.pk}
    assert response["Location"] == reverse("centers:my_bookings")
    booking.refresh_from_db()
    assert booking.status == B.CANCELLED


def test_my_bookings_shows_the_feed_address_and_a_reset_replaces_it(client):
    world = build_world()
    client.force_login(world.guest)

    before = client.get(reverse("centers:my_bookings")).context["feed_url"]
    old_token = CalendarFeed.objects.get(user=world.guest).token
    client.post(reverse("centers:feed_reset"))
    after = client.get(reverse("centers:my_bookings")).context["feed_url"]

    assert before.startswith("http://testserver/centers/feeds/user/")
    assert before.endswith(f"{old_token}.ics")
    assert after != before
    assert client.get(before).status_code == 404
    assert client.get(after).status_code == 200


# Managing ------------------------------------------------------------------------------------


def test_facility_form_with_bad_values_is_rerendered_and_changes_nothing(client):
    world = build_world()
    client.force_login(world.manager)

    response = client.post(
        reverse("centers:facility_edit", args=[world.facility.pk]),
        {"name": "", "kind": "spaceship", "capacity": "0", "slot_minutes": "60"},
    )

    errors = response.context["form"].errors
    assert response.status_code == 200
    assert set(errors) == {"name", "kind", "capacity"}
    world.facility.refresh_from_db()
    assert world.facility.name == "Manuscript scanner"
    assert world.facility.capacity == 1


def test_a_facility_is_named_in_other_languages_on_its_form_and_its_page(client):
    world = build_world()
    world.facility.names = {"de": "Handschriftenscanner"}
    world.facility.save()
    client.force_login(world.manager)
    edit = reverse("centers:facility_edit", args=[world.facility.pk])

    client.post(
        edit,
        {
            "name": "Manuscript scanner",
            "kind": world.facility.kind,
            "capacity": "1",
            "slot_minutes": "60",
            "is_active": "on",
            "name_ru": "Сканер рукописей",
        },
    )
    russian = client.get(world.facility.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ru")
    english = client.get(world.facility.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")

    world.facility.refresh_from_db()
    # The language the form does not offer is kept.
    assert world.facility.names == {"de": "Handschriftenscanner", "ru": "Сканер рукописей"}
    assert "<h1>Сканер рукописей</h1>" in russian.content.decode()
    assert "<h1>Manuscript scanner</h1>" in english.content.decode()


def test_opening_hours_closing_before_opening_are_refused(client):
    world = build_world()
    client.force_login(world.manager)

    response = client.post(
        reverse("centers:facility_hours", args=[world.facility.pk]),
        {"opens_0": "12:00", "closes_0": "10:00", "opens_1": "09:00"},
    )

    errors = response.context["hours_form"].errors
    assert errors["closes_0"] == ["It must close after it opens."]
    assert errors["closes_1"] == ["Give the closing time as well."]
    assert world.facility.opening_hours.count() == 5


def test_manager_sets_hours_closes_a_period_and_marks_people_trained(client):
    world = build_world()
    client.force_login(world.manager)
    monday = next_monday()

    client.post(
        reverse("centers:facility_hours", args=[world.facility.pk]),
        {"opens_0": "08:00", "closes_0": "12:00"},
    )
    client.post(
        reverse("centers:blackout_add", args=[world.facility.pk]),
        {
            "blackout-starts_at": f"{monday.isoformat()}T08:00",
            "blackout-ends_at": f"{monday.isoformat()}T12:00",
            "blackout-reason": "Maintenance",
        },
    )
    client.post(
        reverse("centers:training_grant", args=[world.facility.pk]),
        {"training-user": world.guest.email},
    )

    assert [(row.weekday, row.opens) for row in world.facility.opening_hours.all()] == [
        (0, dt.time(8))
    ]
    assert world.facility.blackouts.get().reason == "Maintenance"
    assert Training.objects.get().user == world.guest
    training = Training.objects.get()
    client.post(reverse("centers:training_revoke", args=[world.facility.pk, training.pk]))
    assert not Training.objects.exists()


def test_blackout_ending_before_it_starts_and_unknown_trainee_are_reported(client):
    world = build_world()
    client.force_login(world.manager)

    blackout = client.post(
        reverse("centers:blackout_add", args=[world.facility.pk]),
        {
            "blackout-starts_at": "2030-01-07T12:00",
            "blackout-ends_at": "2030-01-07T10:00",
            "blackout-reason": "Maintenance",
        },
    )
    trainee = client.post(
        reverse("centers:training_grant", args=[world.facility.pk]),
        {"training-user": "nobody@example.org"},
    )

    assert blackout.context["blackout_form"].errors["ends_at"] == [
        "The period must end after it starts."
    ]
    assert trainee.context["training_form"].errors["user"] == [
        "Nobody with this username or e-mail is registered."
    ]
    assert not world.facility.blackouts.exists()
    assert not Training.objects.exists()


def test_a_manager_id_beyond_any_key_is_refused_and_changes_nothing(client):
    world = build_world()
    client.force_login(world.officer)

    response = client.post(
        reverse("centers:managers", args=[world.center.slug]),
        {"managers-managers": [world.manager.pk, "99999999999999999999"]},
    )

    assert response.status_code == 200
    assert response.context["managers_form"].errors["managers"]
    assert list(world.center.managers.all()) == [world.manager]


def test_manager_edits_the_center_and_its_managers(client):
    world = build_world()
    colleague = member(world.host)
    client.force_login(world.officer)

    client.post(
        reverse("centers:edit", args=[world.center.slug]),
        {"name": "Center of Azerbaijani Studies", "city": "Almaty", "is_public": "on"},
    )
    client.post(
        reverse("centers:managers", args=[world.center.slug]),
        {"managers-managers": [world.manager.pk], "managers-add": colleague.email},
    )
    both = set(world.center.managers.all())
    client.post(
        reverse("centers:managers", args=[world.center.slug]),
        {"managers-managers": [colleague.pk]},
    )
    unknown = client.post(
        reverse("centers:managers", args=[world.center.slug]),
        {"managers-managers": [colleague.pk], "managers-add": "nobody"},
    )

    world.center.refresh_from_db()
    assert world.center.name == "Center of Azerbaijani Studies"
    assert both == {world.manager, colleague}
    assert list(world.center.managers.all()) == [colleague]
    assert unknown.context["managers_form"].errors["add"] == [
        "Nobody with this username or e-mail is registered."
    ]


def test_bad_center_e_mail_is_shown_next_to_the_field(client):
    world = build_world()
    client.force_login(world.officer)

    response = client.post(
        reverse("centers:edit", args=[world.center.slug]),
        {"name": "", "contact_email": "not-an-address"},
    )

    assert set(response.context["form"].errors) == {"name", "contact_email"}
    world.center.refresh_from_db()
    assert world.center.name == "Azerbaijani Center of History and Culture"


# What other pages show -----------------------------------------------------------------------


def test_text_people_typed_is_escaped(client):
    world = build_world()
    services.center_update(
        actor=world.officer, center=world.center, description="<script>alert('c')</script>"
    )
    booking = services.booking_request(
        actor=world.guest,
        facility=world.facility,
        starts_at=at(next_monday(), 10),
        ends_at=at(next_monday(), 11),
        purpose="<img src=x onerror=alert(1)>",
    )[0]
    client.force_login(world.manager)

    pages = [
        client.get(world.center.get_absolute_url()).content.decode(),
        client.get(reverse("centers:queue")).content.decode(),
        client.get(booking.get_absolute_url()).content.decode(),
    ]

    assert "<script>alert" not in pages[0]
    assert "&lt;script&gt;alert" in pages[0]
    for html in pages[1:]:
        assert "<img src=x" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_agreement_page_shows_the_center_hours_used_under_it(client):
    world = build_world()
    booking = request(world, world.guest, at(next_monday(), 10), hours=2)
    services.booking_approve(actor=world.manager, booking=booking)
    client.force_login(world.officer)

    response = client.get(reverse("agreements:detail", args=[world.agreement.pk]))

    html = response.content.decode()
    assert 'id="center-usage"' in html
    assert world.facility.name in html
    assert [row.upcoming for row in response.context["center_usage"]] == [1]


def test_institution_public_page_links_its_public_centers_only(client):
    world = build_world()
    hidden = services.center_create(
        actor=world.officer, institution=world.host, name="Closed laboratory", is_public=False
    )

    html = client.get(reverse("public:institution", args=[world.host.slug])).content.decode()

    assert world.center.get_absolute_url() in html
    assert hidden.name not in html


def test_platform_staff_see_every_center(client):
    world = build_world()
    services.center_update(actor=world.officer, center=world.center, is_public=False)
    client.force_login(UserFactory(is_staff=True))

    assert client.get(world.center.get_absolute_url()).status_code == 200


def test_flagged_bookings_come_first_in_the_queue_and_can_be_cancelled_there(client):
    world = build_world()
    later = request(world, world.guest, at(next_monday(), 14))
    flagged = request(world, world.guest, at(next_monday(), 10))
    services.booking_approve(actor=world.manager, booking=flagged)
    Booking.objects.filter(pk=flagged.pk).update(flagged_reason="The agreement was terminated.")
    client.force_login(world.manager)

    queue = client.get(reverse("centers:queue"))
    client.post(
        reverse("centers:booking_cancel", args=[flagged.pk]),
        {"next": reverse("centers:queue"), "reason": "The agreement ended."},
    )

    assert [row.pk for row in queue.context["page"].object_list] == [flagged.pk, later.pk]
    assert "The agreement was terminated." in queue.content.decode()
    flagged.refresh_from_db()
    assert flagged.status == B.CANCELLED


def test_center_photos_are_served_to_those_who_may_see_the_center(client):
    world = build_world()
    photo = CenterPhoto.objects.create(
        center=world.center,
        image=SimpleUploadedFile("reading-room.png", PNG, content_type="image/png"),
        caption="The reading room",
    )
    url = reverse("centers:photo", args=[world.center.slug, photo.pk])

    def served(response) -> bytes | int:
        # Reading a file response to its end closes it, as a server would.
        if response.status_code != 200:
            return response.status_code
        return b"".join(response.streaming_content)

    assert served(client.get(url)) == PNG
    assert 'alt="The reading room"' in client.get(world.center.get_absolute_url()).content.decode()
    services.center_update(actor=world.officer, center=world.center, is_public=False)
    assert served(client.get(url)) == 404
    client.force_login(world.guest)
    assert served(client.get(url)) == PNG


def test_center_names_in_other_languages_are_kept_and_changed(client):
    world = build_world()
    client.force_login(world.officer)

    client.post(
        reverse("centers:create"),
        {
            "institution": world.host.pk,
            "name": "Center of Turkic Studies",
            "name_ru": "Центр тюркологии",
            "name_az": "Türkologiya Mərkəzi",
        },
    )
    center = world.host.research_centers.get(name="Center of Turkic Studies")
    client.post(
        reverse("centers:edit", args=[center.slug]),
        {"name": center.name, "name_ru": "Центр тюркских исследований"},
    )

    center.refresh_from_db()
    assert center.names == {"ru": "Центр тюркских исследований"}
    assert center.is_public is False


def test_manager_replaces_the_facility_feed_address_and_nobody_else_may(client):
    world = build_world()
    old_token = world.facility.feed_token
    client.force_login(world.guest)
    assert (
        client.post(reverse("centers:facility_feed_reset", args=[world.facility.pk])).status_code
        == 403
    )

    client.force_login(world.manager)
    page = client.get(reverse("centers:facility_hours", args=[world.facility.pk]))
    client.post(reverse("centers:facility_feed_reset", args=[world.facility.pk]))

    world.facility.refresh_from_db()
    assert page.context["feed_url"].endswith(f"/centers/feeds/facility/{old_token}.ics")
    assert world.facility.feed_token != old_token
    assert client.get(page.context["feed_url"]).status_code == 404


def test_the_facility_page_opens_on_next_week_once_this_weeks_slots_are_over(client):
    now = timezone.localtime()
    if now.time() < dt.time(0, 10):
        pytest.skip("Today's only slot, 00:00-00:05, is not over yet.")
    world = build_world()
    services.opening_hours_set(
        actor=world.manager,
        facility=world.facility,
        hours=[(now.weekday(), dt.time(0, 0), dt.time(0, 5))],
    )
    services.facility_update(actor=world.manager, facility=world.facility, slot_minutes=5)
    client.force_login(world.guest)
    monday = now.date() - dt.timedelta(days=now.weekday())

    shown = client.get(world.facility.get_absolute_url()).context["week_start"]
    asked = client.get(world.facility.get_absolute_url(), {"week": monday.isoformat()})

    assert shown == monday + dt.timedelta(days=7)
    assert asked.context["week_start"] == monday


def test_a_named_manager_from_elsewhere_finds_the_center_on_the_list(client):
    world = build_world()
    outside = member(InstitutionFactory(), Role.RESEARCHER)
    services.center_set_managers(actor=world.officer, center=world.center, users=[outside])
    client.force_login(outside)

    response = client.get(reverse("centers:list"))

    assert [center.pk for center in response.context["centers"]] == [world.center.pk]
    assert list(response.context["page"].object_list) == []


def test_a_facilitys_training_is_named_apart_from_a_staff_mobility_for_training(client):
    # English says "Training" for both; Russian says "Инструктаж" before using an instrument
    # and "Повышение квалификации" for a staff member's training abroad.
    world = build_world(requires_training=True)
    client.force_login(world.guest)

    page = client.get(
        reverse("centers:facility", args=[world.facility.pk]), HTTP_ACCEPT_LANGUAGE="ru"
    ).content.decode()

    assert "<dt>Инструктаж</dt>" in page
    assert "Повышение квалификации" not in page
