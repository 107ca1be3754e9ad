"""Every page a demo user can reach by following links opens without a server error and is
valid HTML: the demo's data in every state, as each kind of user sees it."""

import re
from collections import Counter, deque

import pytest
from django.core.management import call_command
from django.test import Client

from accord.core.models import User
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
