"""Who may see, change, drive and download what: the rules and the selectors agree."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from accord.agreements import selectors, services
from accord.agreements.models import AgreementStatus
from tests.factories import (
    AgreementDocumentFactory,
    AgreementFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PERMISSIONS = (
    "agreements.view_agreement",
    "agreements.change_agreement",
    "agreements.transition_agreement",
    "agreements.download_document",
)


def member(institution, role):
    return MembershipFactory(institution=institution, role=role).user


def held(user, agreement):
    return tuple(user.has_perm(permission, agreement) for permission in PERMISSIONS)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("admin", (True, True, True, True)),
        ("officer", (True, True, True, True)),
        ("coordinator", (True, True, False, True)),
        ("researcher", (False, False, False, False)),
        ("student", (False, False, False, False)),
        ("reviewer", (False, False, False, False)),
    ],
)
def test_roles_at_a_party_on_a_private_agreement(institution, partner, role, expected):
    agreement = AgreementFactory(parties=[institution, partner])
    assert held(member(partner, role), agreement) == expected


def test_platform_staff_hold_every_permission(staff_user, institution, partner):
    agreement = AgreementFactory(parties=[institution, partner])
    assert held(staff_user, agreement) == (True, True, True, True)


def test_an_officer_elsewhere_holds_nothing_on_a_private_agreement(outsider, institution, partner):
    agreement = AgreementFactory(parties=[institution, partner])
    assert held(outsider, agreement) == (False, False, False, False)
    assert list(selectors.agreements_visible_to(outsider)) == []
    with pytest.raises(Http404):
        selectors.agreement_get_visible(outsider, agreement.pk)
    with pytest.raises(Http404):
        selectors.agreement_for_detail(outsider, agreement.pk)


def test_a_public_active_agreement_is_seen_but_its_documents_are_not(
    outsider, institution, partner
):
    agreement = AgreementFactory(
        parties=[institution, partner], status=AgreementStatus.ACTIVE, is_public=True
    )
    document = AgreementDocumentFactory(agreement=agreement)

    for user in (outsider, AnonymousUser(), UserFactory()):
        assert held(user, agreement) == (True, False, False, False)
        assert list(selectors.agreements_visible_to(user)) == [agreement]
        with pytest.raises(Http404):
            selectors.agreement_document_get(user, agreement.pk, document.pk)
        with pytest.raises(Http404):
            selectors.agreement_documents(user, agreement)


def test_a_public_agreement_is_private_until_active(outsider, institution, partner):
    agreement = AgreementFactory(
        parties=[institution, partner], status=AgreementStatus.SIGNING, is_public=True
    )
    assert held(outsider, agreement)[0] is False
    assert list(selectors.agreements_visible_to(outsider)) == []


def test_party_staff_download_their_documents(officer, institution, partner):
    agreement = AgreementFactory(parties=[institution, partner])
    document = AgreementDocumentFactory(agreement=agreement)
    assert selectors.agreement_document_get(officer, agreement.pk, document.pk) == document


def test_a_document_of_another_agreement_is_not_found_through_this_one(
    officer, institution, partner
):
    own = AgreementFactory(parties=[institution, partner])
    other = AgreementFactory()
    document = AgreementDocumentFactory(agreement=other)
    with pytest.raises(Http404):
        selectors.agreement_document_get(officer, own.pk, document.pk)


def test_the_timeline_lists_events_newest_first(officer, institution, partner):
    agreement = services.agreement_create(
        actor=officer, kind="mou", title="Memorandum", institutions=[institution, partner]
    )
    services.agreement_update(actor=officer, agreement=agreement, description="Science")
    assert [e.action for e in selectors.agreement_timeline(agreement)] == [
        "agreement.updated",
        "agreement.created",
    ]
