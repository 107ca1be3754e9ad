"""Take the README's screenshots from a running demo: `python docs/screenshots/take.py [URL]`."""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(__file__).parent
# The map and the Sankey chart of the flows page.
FLOWS_CLIP = {"x": 0, "y": 0, "width": 1280, "height": 1700}
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync"]


def main() -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{BASE}/accounts/login/")
        page.fill("#id_username", "kaznu-officer")
        page.fill("#id_password", "accord-demo")
        page.click("form button[type=submit]")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=OUT / "dashboard.png")
        page.goto(f"{BASE}/agreements/?search=Azerbaijan+National+Academy&kind=mou")
        page.locator("table a").first.click()
        page.wait_for_load_state("networkidle")
        page.screenshot(path=OUT / "agreement.png")
        page.goto(f"{BASE}/p/al-farabi-kazakh-national-university/")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=OUT / "public-page.png")
        page.goto(f"{BASE}/analytics/mobility/?country=KZ")
        page.wait_for_selector("figure.chart-drawn:has(canvas[data-flow-chart=sankey])")
        page.screenshot(path=OUT / "mobility-flows.png", full_page=True, clip=FLOWS_CLIP)
        page.click("text=Log out")
        page.goto(f"{BASE}/accounts/login/")
        page.fill("#id_username", "anas-researcher")
        page.fill("#id_password", "accord-demo")
        page.click("form button[type=submit]")
        page.wait_for_load_state("networkidle")
        page.goto(f"{BASE}/centers/?search=archive+reading+room")
        page.locator("table a").first.click()
        page.wait_for_load_state("networkidle")
        page.screenshot(path=OUT / "facility.png")
        browser.close()


if __name__ == "__main__":
    main()
