"""An officer reads the mobility flows of the demo in Chromium: the map, the Sankey chart and
the tables behind them tell that Kazakh students go to Poland most."""

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo():
    call_command("demo", verbosity=0)


def test_officer_sees_the_poland_flow_on_the_map_and_in_the_sankey_chart(demo, new_page):
    page = new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, "kaznu-officer", settings.ACCORD_DEMO_PASSWORD)

    page.click("nav a:has-text('Flows')")
    page.wait_for_url("**/analytics/mobility/")
    page.select_option("select[name=country]", "KZ")
    page.click("form.flow-filters button[type=submit]")
    page.wait_for_url("**country=KZ**")

    assert page.locator("h1").inner_text() == "Mobility flows: Kazakhstan"
    destinations = page.locator("figure.flow-map[data-map=destinations]")
    sankey = page.locator("figure:has(canvas[data-flow-chart=sankey])")
    destinations.locator(".chart-box canvas").wait_for()
    page.wait_for_selector("figure.flow-map[data-map=destinations].chart-drawn")
    page.wait_for_selector("figure.chart-drawn:has(canvas[data-flow-chart=sankey])")
    # The tables behind the charts close once the charts are drawn; their first rows are Poland.
    destinations.locator("summary").click()
    assert destinations.locator("tbody tr").first.locator("th").inner_text() == "Poland"
    sankey.locator("summary").click()
    first_flow = sankey.locator("tbody tr").first.inner_text()
    assert first_flow.split("\t")[:2] == ["Kazakhstan", "Poland"]

    # Incoming: the origins map replaces the destinations one.
    page.click("[data-map-show=origins]")
    page.wait_for_selector("figure.flow-map[data-map=origins].chart-drawn")
    assert destinations.is_hidden()
    assert errors == []
