import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accord.centers import services
from accord.centers.models import CenterPhoto
from accord.core.audit import audit_events_for
from tests.centers.world import build_world, executable_named_png, member, noisy_png, picture
from tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


def test_manager_adds_a_png_with_a_caption_and_it_is_audited():
    world = build_world()
    photo = services.center_photo_add(
        actor=world.manager, center=world.center, image=picture(), caption="  Reading   room "
    )
    assert (photo.caption, photo.position) == ("Reading room", 0)
    assert photo.image.name.startswith(f"centers/{world.center.pk}/reading-room")
    assert photo.image.name.endswith(".png")
    assert next(e.action for e in audit_events_for(world.center)) == "center.photo_added"
    second = services.center_photo_add(actor=world.officer, center=world.center, image=picture())
    assert second.position == 1


def test_jpeg_and_webp_are_accepted_and_named_by_their_content():
    world = build_world()
    jpeg = services.center_photo_add(
        actor=world.manager, center=world.center, image=picture("hall.png", "JPEG")
    )
    webp = services.center_photo_add(
        actor=world.manager, center=world.center, image=picture("hall", "WEBP")
    )
    assert jpeg.image.name.endswith("hall.jpg")
    assert webp.image.name.endswith("hall.webp")


def test_executable_renamed_png_is_refused():
    world = build_world()
    with pytest.raises(ValidationError) as error:
        services.center_photo_add(
            actor=world.manager, center=world.center, image=executable_named_png()
        )
    assert error.value.message_dict == {
        "image": ["Only JPEG, PNG and WebP pictures are accepted; this file is none of them."]
    }
    assert CenterPhoto.objects.count() == 0


def test_other_image_formats_are_refused():
    world = build_world()
    with pytest.raises(ValidationError) as error:
        services.center_photo_add(
            actor=world.manager, center=world.center, image=picture("logo.gif", "GIF")
        )
    assert list(error.value.message_dict) == ["image"]


def test_truncated_png_is_refused():
    world = build_world()
    whole = picture().read()
    broken = SimpleUploadedFile("cut.png", whole[: len(whole) // 2], content_type="image/png")
    with pytest.raises(ValidationError):
        services.center_photo_add(actor=world.manager, center=world.center, image=broken)


def test_photo_over_the_size_limit_is_refused(settings):
    settings.ACCORD_PHOTO_MAX_BYTES = 50_000
    world = build_world()
    large = noisy_png()
    assert large.size > 50_000
    with pytest.raises(ValidationError) as error:
        services.center_photo_add(
            actor=world.manager, center=world.center, image=large, caption="x" * 301
        )
    assert error.value.message_dict == {
        "caption": ["At most 300 characters."],
        "image": ["The photo is larger than the limit of 0.048 MB."],
    }
    assert CenterPhoto.objects.count() == 0


def test_missing_file_is_named():
    world = build_world()
    with pytest.raises(ValidationError) as error:
        services.center_photo_add(actor=world.manager, center=world.center, image=None)
    assert list(error.value.message_dict) == ["image"]


def test_only_managers_add_and_remove_photos():
    world = build_world()
    photo = services.center_photo_add(actor=world.manager, center=world.center, image=picture())
    for user in (world.researcher, world.guest, member(world.partner, "officer")):
        with pytest.raises(PermissionDenied):
            services.center_photo_add(actor=user, center=world.center, image=picture())
        with pytest.raises(PermissionDenied):
            services.center_photo_remove(actor=user, photo=photo)
    assert CenterPhoto.objects.count() == 1


def test_removing_a_photo_deletes_its_file_after_commit(django_capture_on_commit_callbacks):
    world = build_world()
    photo = services.center_photo_add(actor=world.manager, center=world.center, image=picture())
    storage, name = photo.image.storage, photo.image.name
    with django_capture_on_commit_callbacks(execute=True):
        services.center_photo_remove(actor=world.manager, photo=photo)
    assert not CenterPhoto.objects.exists()
    assert not storage.exists(name)
    assert next(e.action for e in audit_events_for(world.center)) == "center.photo_removed"


def test_moving_a_photo_swaps_it_with_its_neighbour():
    world = build_world()
    first, second, third = (
        services.center_photo_add(
            actor=world.manager, center=world.center, image=picture(), caption=caption
        )
        for caption in ("A", "B", "C")
    )
    services.center_photo_move(actor=world.manager, photo=third, earlier=True)
    assert [p.caption for p in world.center.photos.all()] == ["A", "C", "B"]
    services.center_photo_move(actor=world.manager, photo=first, earlier=False)
    assert [p.caption for p in world.center.photos.all()] == ["C", "A", "B"]
    services.center_photo_move(actor=world.manager, photo=third, earlier=True)
    assert [p.caption for p in world.center.photos.all()] == ["C", "A", "B"]
    with pytest.raises(PermissionDenied):
        services.center_photo_move(actor=world.researcher, photo=second, earlier=True)


# Pages -----------------------------------------------------------------------------------------


def test_manager_uploads_a_photo_on_the_edit_page_and_the_public_sees_it(client):
    world = build_world()
    client.force_login(world.manager)
    edit = client.get(reverse("centers:edit", args=[world.center.slug]))
    assert b'enctype="multipart/form-data"' in edit.content
    response = client.post(
        reverse("centers:photo_add", args=[world.center.slug]),
        {"photo-image": picture(), "photo-caption": "Reading room"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("/edit/#photos")
    [photo] = CenterPhoto.objects.all()
    client.logout()
    page = client.get(world.center.get_absolute_url())
    image_url = reverse("centers:photo", args=[world.center.slug, photo.pk])
    assert image_url.encode() in page.content
    assert b"Reading room" in page.content
    image = client.get(image_url)
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png"
    assert b"".join(image.streaming_content).startswith(b"\x89PNG")


def test_refused_upload_re_renders_the_edit_page_with_the_reason(client):
    world = build_world()
    client.force_login(world.manager)
    response = client.post(
        reverse("centers:photo_add", args=[world.center.slug]),
        {"photo-image": executable_named_png(), "photo-caption": "Scanner"},
    )
    assert response.status_code == 200
    assert response.context["photo_form"].errors["image"] == [
        "Only JPEG, PNG and WebP pictures are accepted; this file is none of them."
    ]
    assert not CenterPhoto.objects.exists()


def test_non_manager_cannot_upload_or_remove_on_the_pages(client):
    world = build_world()
    photo = services.center_photo_add(actor=world.manager, center=world.center, image=picture())
    client.force_login(world.researcher)
    add = client.post(
        reverse("centers:photo_add", args=[world.center.slug]), {"photo-image": picture()}
    )
    remove = client.post(reverse("centers:photo_remove", args=[world.center.slug, photo.pk]))
    move = client.post(reverse("centers:photo_move", args=[world.center.slug, photo.pk]))
    assert (add.status_code, remove.status_code, move.status_code) == (403, 403, 403)
    services.center_update(actor=world.officer, center=world.center, is_public=False)
    client.force_login(member(InstitutionFactory(country="PL")))
    hidden = client.post(reverse("centers:photo_remove", args=[world.center.slug, photo.pk]))
    assert hidden.status_code == 404
    assert CenterPhoto.objects.count() == 1


def test_manager_removes_and_reorders_photos_on_the_edit_page(client):
    world = build_world()
    first = services.center_photo_add(
        actor=world.manager, center=world.center, image=picture(), caption="A"
    )
    second = services.center_photo_add(
        actor=world.manager, center=world.center, image=picture(), caption="B"
    )
    client.force_login(world.manager)
    client.post(
        reverse("centers:photo_move", args=[world.center.slug, second.pk]), {"to": "earlier"}
    )
    assert [p.caption for p in world.center.photos.all()] == ["B", "A"]
    client.post(reverse("centers:photo_remove", args=[world.center.slug, first.pk]))
    assert [p.caption for p in world.center.photos.all()] == ["B"]


def test_edit_and_public_pages_run_the_same_queries_for_1_and_50_photos(client, count_queries):
    world = build_world()
    pages = {
        "edit": reverse("centers:edit", args=[world.center.slug]),
        "public": world.center.get_absolute_url(),
    }

    def queries(url: str) -> int:
        with count_queries() as context:
            assert client.get(url).status_code == 200
        return len(context.captured_queries)

    def measure() -> dict[str, int]:
        client.force_login(world.manager)
        queries(pages["edit"])
        counts = {"edit": queries(pages["edit"])}
        client.logout()
        counts["public"] = queries(pages["public"])
        return counts

    CenterPhoto.objects.create(center=world.center, image="centers/x/0.png", position=0)
    one = measure()
    CenterPhoto.objects.bulk_create(
        CenterPhoto(center=world.center, image=f"centers/x/{n}.png", position=n)
        for n in range(1, 50)
    )
    assert measure() == one
    assert client.get(pages["public"]).content.count(b"<figure>") == 50
