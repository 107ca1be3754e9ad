import datetime as dt

import pytest

from accord.centers import services
from accord.centers.models import Booking, BookingStatus, CenterPhoto
from accord.core.models import ApiToken
from accord.core.tokens import hash_secret, new_secret
from tests.centers.world import (
    at,
    build_world,
    executable_named_png,
    member,
    next_monday,
    noisy_png,
    picture,
    request,
)
from tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/centers"
B = BookingStatus


def bearer(user) -> dict[str, str]:
    token = new_secret()
    ApiToken.objects.create(user=user, name="test", prefix=token[:8], token_hash=hash_secret(token))
    return {"Authorization": f"Bearer {token}"}


def _body(world, start, hours=1, **extra):
    return {
        "facility": world.facility.pk,
        "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=hours)).isoformat(),
        "purpose": "Scanning manuscripts",
        **extra,
    }


def test_centers_list_and_detail(client):
    world = build_world()
    response = client.get(API)
    assert response.status_code == 200
    [center] = response.json()["items"]
    assert (center["slug"], center["institution"]["country"]) == (world.center.slug, "KZ")
    detail = client.get(f"{API}/{world.center.slug}").json()
    assert [f["name"] for f in detail["facilities"]] == ["Manuscript scanner"]
    assert len(detail["facilities"][0]["opening_hours"]) == 5


def test_private_center_is_not_found_for_outsiders(client):
    world = build_world()
    services.center_update(actor=world.officer, center=world.center, is_public=False)
    outsider = member(InstitutionFactory(country="PL"))
    response = client.get(f"{API}/{world.center.slug}", headers=bearer(outsider))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert client.get(f"{API}/{world.center.slug}", headers=bearer(world.guest)).status_code == 200


def test_facility_search_with_free_time(client):
    world = build_world()
    monday = next_monday()
    booking = request(world, world.researcher, at(monday, 9), hours=8)
    services.booking_approve(actor=world.manager, booking=booking)
    headers = bearer(world.guest)
    params = {"free_from": at(monday, 9).isoformat(), "free_to": at(monday, 17).isoformat()}
    assert client.get(f"{API}/facilities", params, headers=headers).json()["count"] == 0
    params["free_to"] = at(monday + dt.timedelta(days=1), 17).isoformat()
    assert client.get(f"{API}/facilities", params, headers=headers).json()["count"] == 1
    bad = client.get(f"{API}/facilities", {"free_from": params["free_from"]}, headers=headers)
    assert bad.status_code == 422 and "free_to" in bad.json()["errors"]


def test_availability_week(client):
    world = build_world()
    booking = request(world, world.researcher, at(next_monday(), 9))
    services.booking_approve(actor=world.manager, booking=booking)
    response = client.get(
        f"{API}/facilities/{world.facility.pk}/availability",
        {"week_start": next_monday().isoformat()},
        headers=bearer(world.guest),
    )
    days = response.json()["days"]
    assert [s["state"] for s in days[0]["slots"]][:2] == ["taken", "free"]
    assert days[0]["slots"][0]["booking_ids"] == []


def test_request_approve_and_list_bookings(client):
    world = build_world()
    response = client.post(
        f"{API}/bookings",
        _body(world, at(next_monday(), 10)),
        content_type="application/json",
        headers=bearer(world.guest),
    )
    assert response.status_code == 201, response.content
    [created] = response.json()
    assert (created["status"], created["agreement"]) == ("requested", world.agreement.pk)
    queue = client.get(f"{API}/bookings", {"scope": "to_decide"}, headers=bearer(world.manager))
    assert [b["id"] for b in queue.json()["items"]] == [created["id"]]
    approved = client.post(f"{API}/bookings/{created['id']}/approve", headers=bearer(world.manager))
    assert approved.json()["status"] == "approved"
    own = client.get(f"{API}/bookings", headers=bearer(world.guest)).json()
    assert [(b["id"], b["status"]) for b in own["items"]] == [(created["id"], "approved")]


def test_bad_requests_answer_problems_naming_the_field(client):
    world = build_world()
    headers = bearer(world.guest)
    start = at(next_monday(), 10)
    backwards = _body(world, start, hours=-1)
    response = client.post(
        f"{API}/bookings", backwards, content_type="application/json", headers=headers
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert list(response.json()["errors"]) == ["ends_at"]
    late = _body(world, at(next_monday(), 18))
    response = client.post(
        f"{API}/bookings", late, content_type="application/json", headers=headers
    )
    assert list(response.json()["errors"]) == ["starts_at"]
    outsider = member(InstitutionFactory(country="PL"))
    response = client.post(
        f"{API}/bookings",
        _body(world, start),
        content_type="application/json",
        headers=bearer(outsider),
    )
    assert response.status_code == 403
    assert Booking.objects.count() == 0


def test_transitions_follow_the_same_rules(client):
    world = build_world()
    booking = request(world, world.guest, at(next_monday(), 10))
    other = member(world.partner)
    assert (
        client.post(f"{API}/bookings/{booking.pk}/approve", headers=bearer(world.guest)).status_code
        == 403
    )
    assert (
        client.post(
            f"{API}/bookings/{booking.pk}/cancel",
            {"reason": ""},
            content_type="application/json",
            headers=bearer(other),
        ).status_code
        == 404
    )
    response = client.post(
        f"{API}/bookings/{booking.pk}/reject",
        {"reason": ""},
        content_type="application/json",
        headers=bearer(world.manager),
    )
    assert response.status_code == 422 and list(response.json()["errors"]) == ["reason"]
    response = client.post(
        f"{API}/bookings/{booking.pk}/cancel",
        {"reason": "Plans changed"},
        content_type="application/json",
        headers=bearer(world.guest),
    )
    assert response.json()["status"] == "cancelled"


@pytest.mark.parametrize(
    "path",
    ["", "/facilities", "/bookings", "/bookings?scope=to_decide"],
)
def test_lists_run_a_constant_number_of_queries(client, count_queries, path):
    world = build_world(capacity=60)
    headers = bearer(world.manager)
    request(world, world.manager, at(next_monday(), 9))

    def run() -> int:
        with count_queries() as ctx:
            response = client.get(f"{API}{path}", headers=headers)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    run()  # the token's last use is recorded once a minute
    one = run()
    for n in range(12):
        center = services.center_create(actor=world.officer, institution=world.host, name=f"C{n}")
        facility = services.facility_create(
            actor=world.officer, center=center, name=f"F{n}", kind="lab"
        )
        services.opening_hours_set(
            actor=world.officer, facility=facility, hours=[(0, dt.time(8), dt.time(18))]
        )
    for hour in range(10, 16):
        for _ in range(8):
            request(world, world.manager, at(next_monday(), hour))
    assert Booking.objects.count() == 49
    assert run() == one


# Photos ----------------------------------------------------------------------------------------


def test_manager_adds_and_removes_a_photo_through_the_api(client):
    world = build_world()
    headers = bearer(world.manager)
    response = client.post(
        f"{API}/{world.center.slug}/photos",
        {"image": picture(), "caption": "Reading room"},
        headers=headers,
    )
    assert response.status_code == 201
    photo = response.json()
    assert (photo["caption"], photo["position"]) == ("Reading room", 0)
    image = client.get(photo["url"])
    assert image.status_code == 200
    # Reading a file response to its end closes it, as a server would.
    assert b"".join(image.streaming_content).startswith(b"\x89PNG")
    detail = client.get(f"{API}/{world.center.slug}").json()
    assert [p["id"] for p in detail["photos"]] == [photo["id"]]
    removed = client.delete(f"{API}/{world.center.slug}/photos/{photo['id']}", headers=headers)
    assert removed.status_code == 204
    assert client.get(f"{API}/{world.center.slug}").json()["photos"] == []


def test_photo_that_is_not_a_picture_answers_422_naming_the_image(client):
    world = build_world()
    response = client.post(
        f"{API}/{world.center.slug}/photos",
        {"image": executable_named_png()},
        headers=bearer(world.manager),
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert list(response.json()["errors"]) == ["image"]


def test_photo_over_the_limit_answers_422(client, settings):
    settings.ACCORD_PHOTO_MAX_BYTES = 50_000
    world = build_world()
    response = client.post(
        f"{API}/{world.center.slug}/photos", {"image": noisy_png()}, headers=bearer(world.manager)
    )
    assert response.status_code == 422
    assert "larger than the limit" in response.json()["errors"]["image"][0]


def test_non_manager_cannot_add_or_remove_photos_through_the_api(client):
    world = build_world()
    photo = services.center_photo_add(actor=world.manager, center=world.center, image=picture())
    url = f"{API}/{world.center.slug}/photos"
    headers = bearer(world.researcher)
    assert client.post(url, {"image": picture()}, headers=headers).status_code == 403
    assert client.delete(f"{url}/{photo.pk}", headers=headers).status_code == 403
    services.center_update(actor=world.officer, center=world.center, is_public=False)
    outsider = bearer(member(InstitutionFactory(country="PL")))
    assert client.post(url, {"image": picture()}, headers=outsider).status_code == 404
    assert client.delete(f"{url}/{photo.pk}", headers=outsider).status_code == 404
    assert client.post(url, {"image": picture()}).status_code == 401
    assert world.center.photos.count() == 1


def test_center_detail_runs_the_same_queries_for_1_and_50_photos(client, count_queries):
    world = build_world()
    url = f"{API}/{world.center.slug}"
    CenterPhoto.objects.create(center=world.center, image="centers/x/0.png")

    def queries() -> int:
        with count_queries() as context:
            assert client.get(url).status_code == 200
        return len(context.captured_queries)

    one = queries()
    CenterPhoto.objects.bulk_create(
        CenterPhoto(center=world.center, image=f"centers/x/{n}.png", position=n)
        for n in range(1, 50)
    )
    assert queries() == one
    assert len(client.get(url).json()["photos"]) == 50


def test_a_facility_taking_no_bookings_shows_as_on_its_pages(client):
    world = build_world()
    services.facility_update(actor=world.officer, facility=world.facility, is_active=False)
    detail = f"{API}/{world.center.slug}"
    facility = f"{API}/facilities/{world.facility.pk}"

    assert client.get(detail, headers=bearer(world.guest)).json()["facilities"] == []
    [listed] = client.get(detail, headers=bearer(world.manager)).json()["facilities"]
    assert (listed["id"], listed["is_active"]) == (world.facility.pk, False)
    for reader in (world.guest, world.manager):
        response = client.get(facility, headers=bearer(reader))
        assert (response.status_code, response.json()["is_active"]) == (200, False)


def test_a_facility_gives_its_names_in_other_languages(client):
    world = build_world()
    services.facility_update(
        actor=world.officer, facility=world.facility, names={"ru": "  Сканер   рукописей "}
    )

    body = client.get(f"{API}/facilities/{world.facility.pk}", headers=bearer(world.guest)).json()

    assert (body["name"], body["names"]) == ("Manuscript scanner", {"ru": "Сканер рукописей"})
