import pytest

pytestmark = pytest.mark.django_db


def test_anonymous_home_is_a_landing_page_with_login_and_search(client):
    response = client.get("/")

    html = response.content.decode()
    assert response.status_code == 200
    assert response.templates[0].name == "core/welcome.html"
    assert 'href="/accounts/login/"' in html
    assert '<form method="get" action="/p/" role="search"' in html
