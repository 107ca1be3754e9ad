"""Every page a demo user can reach by following links opens without a server error and is
valid HTML: the demo's data in every state, as each kind of user sees it."""

import re
from collections import Counter, deque

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accord.agreements.models import Agreement, AgreementStatus, ProvisionKind
from accord.centers.models import Facility
from accord.core import services
from accord.core.models import LoginFailure, User
from accord.institutions.models import Institution
from tests.html_checker import html_errors

pytestmark = pytest.mark.django_db

LINK = re.compile(r'href="(/[^"#]*)"')
# Of links that differ only in their ids, slugs or query values, a few are followed: the pages
# behind them are built by the same view from the same kind of data.
SAME_PAGE_WITH_OTHER_IDS = 3
ID_OR_SLUG = re.compile(r"/[^/?]*[-\d][^/?]*")
SKIPPED = ("/static/", "/media/", "/accounts/logout")


def crawl(
    client: Client, *, admin: bool, limit: int = 400
) -> tuple[set[str], dict[str, int], dict[str, str]]:
    """The pages reached from the home page (and the admin's, for `admin`), those that
    answered with a server error, and the HTML of Accord's own pages (not the admin's)."""
    seen: set[str] = set()
    failed: dict[str, int] = {}
    pages: dict[str, str] = {}
    followed: Counter[str] = Counter()
    queue = deque(["/", "/admin/"] if admin else ["/"])
    while queue and len(seen) < limit:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.streaming:  # a download: read to its end, which closes its file
            b"".join(response.streaming_content)
        if response.status_code >= 500:
            failed[url] = response.status_code
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            continue
        html = response.content.decode()
        if not url.startswith("/admin/"):
            pages[url] = html
        for href in LINK.findall(html):
            href = href.replace("&amp;", "&")
            if href.startswith(SKIPPED) or (href.startswith("/admin/") and not admin):
                continue
            path, _, query = href.partition("?")
            keys = sorted(pair.split("=")[0] for pair in query.split("&") if pair)
            shape = f"{ID_OR_SLUG.sub('/X', path)}?{'&'.join(keys)}"
            if href not in seen and followed[shape] < SAME_PAGE_WITH_OTHER_IDS:
                followed[shape] += 1
                queue.append(href)
    return seen, failed, pages


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("demo", verbosity=0)
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.mark.parametrize(
    ("username", "at_least"),
    [("admin", 200), ("kaznu-officer", 80), ("anas-coordinator", 60), ("kaznu-student", 30)],
)
def test_no_page_a_user_reaches_fails_and_each_is_valid_html(
    demo, client, tmp_path, username, at_least
):
    client.raise_request_exception = False
    client.force_login(User.objects.get(username=username))

    seen, failed, pages = crawl(client, admin=username == "admin")

    assert failed == {}
    assert len(seen) >= at_least
    assert html_errors(pages, tmp_path) == []


def test_no_public_page_fails_and_each_is_valid_html(demo, client, tmp_path):
    client.raise_request_exception = False

    seen, failed, pages = crawl(client, admin=False)

    assert failed == {}
    assert any(url.startswith("/p/") for url in seen)
    assert html_errors(pages, tmp_path) == []


def test_the_checker_finds_an_error(tmp_path):
    page = "<!doctype html><html lang=en><title>x</title><p><div hx-get=/x>y</div>"
    errors = html_errors({"/broken/": page}, tmp_path)
    assert any(error.startswith("/broken/: Attribute “hx-get” not allowed") for error in errors)


@pytest.mark.parametrize(
    ("username", "url", "data"),
    [
        ("kaznu-officer", "/agreements/new/", {"title": "<b>x</b>", "valid_from": "soon"}),
        ("admin", "/institutions/new/", {"name": "", "ror_id": "03q0vrn43", "country": "XX"}),
        ("kaznu-officer", "/centers/new/", {"name": ""}),
        ("kaznu-officer", "/mobility/new/", {"person_name": "", "start_date": "31.02.2026"}),
    ],
)
def test_a_form_sent_back_with_its_errors_is_valid_html(
    demo, client, tmp_path, username, url, data
):
    client.force_login(User.objects.get(username=username))

    response = client.post(url, data)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="errorlist' in html or "error" in html
    assert html_errors({url: html}, tmp_path) == []


def test_pages_reached_only_by_a_form_or_an_emailed_link_are_valid_html(demo, tmp_path):
    """What no link leads to: forms sent with bad input or refused for the moment, the page
    showing a new API token once, and the pages behind the links of invitation and
    password-reset e-mails."""
    anonymous = Client()
    officer = Client()
    officer.force_login(User.objects.get(username="kaznu-officer"))
    researcher = Client()
    researcher.force_login(User.objects.get(username="anas-researcher"))
    _, token = services.invitation_create(
        actor=User.objects.get(username="kaznu-officer"),
        institution=Institution.objects.get(slug=KAZNU),
        email="new.colleague@example.org",
        role="researcher",
    )
    facility = Facility.objects.filter(center__institution__slug=KAZNU).first()
    draft = Agreement.objects.filter(
        status=AgreementStatus.DRAFT, parties__institution__slug=KAZNU
    ).first()
    assert facility is not None and draft is not None
    invite = f"/accounts/institutions/{KAZNU}/members/invite/"
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        LoginFailure.objects.create(username="kaznu-officer", ip_address="127.0.0.1")
    anonymous.post("/accounts/password_reset/", {"email": "someone@example.org"})
    asked = {
        "a null character in the address": (anonymous.get("/p/?q=a%00b"), 400),
        "login, waiting after failures": (
            anonymous.post("/accounts/login/", {"username": "kaznu-officer", "password": "x"}),
            429,
        ),
        "password reset, asked again too soon": (
            anonymous.post("/accounts/password_reset/", {"email": "someone@example.org"}),
            429,
        ),
        "login, wrong password": (
            anonymous.post("/accounts/login/", {"username": "admin", "password": "wrong"}),
            200,
        ),
        "password reset, bad e-mail": (
            anonymous.post("/accounts/password_reset/", {"email": "not-an-e-mail"}),
            200,
        ),
        "password reset link, expired": (anonymous.get("/accounts/reset/MQ/bad-token/"), 200),
        "invitation link, unknown": (anonymous.get("/accounts/invitations/nothing/"), 404),
        "invitation link, sign-up with errors": (
            anonymous.post(f"/accounts/invitations/{token}/", {"username": "", "password": "1"}),
            400,
        ),
        "new API token, shown once": (
            officer.post("/accounts/profile/tokens/", {"name": "Reports"}),
            200,
        ),
        "profile, bad e-mail": (officer.post("/accounts/profile/", {"email": "bad"}), 400),
        "invitation, bad e-mail": (
            officer.post(invite, {"email": "bad", "role": "researcher"}),
            400,
        ),
        "unit without a name": (officer.post(f"/institutions/{KAZNU}/units/add/", {}), 200),
        "contact with a bad e-mail": (
            officer.post(f"/institutions/{KAZNU}/contacts/add/", {"email": "bad"}),
            200,
        ),
        "mobility provision, unknown codes": (
            officer.post(
                f"/agreements/{draft.pk}/provisions/add/",
                {"kind": "mobility", "isced_codes": "9999", "eqf_levels": "9"},
            ),
            200,
        ),
        "booking, unreadable time": (
            researcher.post(f"/centers/facilities/{facility.pk}/book/", {"starts_at": "soon"}),
            200,
        ),
        "closed period without dates": (
            officer.post(f"/centers/facilities/{facility.pk}/blackouts/", {"reason": ""}),
            200,
        ),
    }

    statuses = {what: response.status_code for what, (response, _) in asked.items()}
    assert statuses == {what: status for what, (_, status) in asked.items()}
    pages = {what: response.content.decode() for what, (response, _) in asked.items()}
    assert 'value="acc_' in pages["new API token, shown once"]
    assert html_errors(pages, tmp_path) == []


# A fragment htmx swaps into a page, checked inside a page of its own (and inside the element
# it is swapped into, where that element takes only some kinds of children).
KAZNU = "al-farabi-kazakh-national-university"
FRAGMENT_PAGE = (
    '<!doctype html><html lang="en"><head><title>Fragment</title></head><body>{}</body></html>'
)


def test_the_fragments_htmx_swaps_into_pages_are_valid_html(demo, client, tmp_path):
    client.force_login(User.objects.get(username="kaznu-officer"))
    htmx = {"HTTP_HX_REQUEST": "true"}
    draft = Agreement.objects.filter(
        status=AgreementStatus.DRAFT, parties__institution__slug=KAZNU
    ).first()
    facility = Facility.objects.filter(center__institution__slug=KAZNU).first()
    assert draft is not None and facility is not None
    options = reverse("agreements:institution_options")
    asked = {
        f"{options}?q=univ": ("", {"q": "univ"}),
        f"{options}?format=datalist": ("datalist", {"q": "univ", "format": "datalist"}),
        **{f"provision form {kind}": ("", {"kind": kind}) for kind in ProvisionKind.values},
    }
    pages = {}
    for name, (parent, params) in asked.items():
        url = (
            reverse("agreements:provision_form", args=[draft.pk])
            if name.startswith("provision form")
            else options
        )
        response = client.get(url, params, **htmx)
        assert response.status_code == 200, name
        html = response.content.decode()
        assert "<html" not in html, name
        if parent:
            html = f'<{parent} id="fragment">{html}</{parent}>'
        pages[name] = FRAGMENT_PAGE.format(html)
    week = client.get(
        reverse("centers:facility", args=[facility.pk]),
        {"week": "2026-11-23"},
        HTTP_HX_TARGET="week",
        **htmx,
    )
    assert week.status_code == 200
    assert "<html" not in week.content.decode()
    pages["week"] = FRAGMENT_PAGE.format(week.content.decode())

    assert html_errors(pages, tmp_path) == []
