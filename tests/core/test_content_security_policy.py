"""The Content-Security-Policy: every response carries it, and no template holds a script the
policy would block (inline scripts, `on…` attributes, htmx's `hx-on` and `data-hx-on`)."""

import re
from pathlib import Path

import pytest
from django.conf import settings

import accord

TEMPLATES = Path(accord.__file__).parent / "templates"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
HANDLER_ATTRIBUTE = re.compile(r"\s(on[a-z]+|(?:data-)?hx-on[:\w-]*)\s*=", re.I)


@pytest.mark.parametrize("url", ["/accounts/login/", "/healthz", "/api/v1/openapi.json", "/nope/"])
def test_every_response_carries_the_policy(client, db, url):
    response = client.get(url)

    assert response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY


def test_the_policy_runs_only_accords_own_scripts_and_allows_no_framing():
    directives = dict(
        part.strip().split(" ", 1) for part in settings.CONTENT_SECURITY_POLICY.split(";")
    )

    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"


def test_no_template_holds_a_script_the_policy_would_block():
    offending = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        text = template.read_text()
        for pattern in (INLINE_SCRIPT, HANDLER_ATTRIBUTE):
            offending += [
                f"{template.relative_to(TEMPLATES)}: {match.group(0).strip()}"
                for match in pattern.finditer(text)
            ]

    assert offending == []


def test_the_check_finds_what_it_looks_for():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/accord/app.js" defer></script>')
    assert not INLINE_SCRIPT.search('<script type="application/json" id="x">{}</script>')
    assert HANDLER_ATTRIBUTE.search('<select onchange="this.form.submit()">')
    assert HANDLER_ATTRIBUTE.search('<input hx-on:change="go()">')
    assert HANDLER_ATTRIBUTE.search('<input data-hx-on:change="go()">')
    assert not HANDLER_ATTRIBUTE.search('<form data-confirm="Remove?" class="inline">')
