"""`accord ewp export|import`."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from lxml import etree

from accord.agreements.models import Agreement
from accord.interop.ewp.iia_xml import iias_get_response_schema
from accord.interop.models import EwpIiaLink
from tests.factories import InstitutionFactory, UserFactory, agreement_row_counts
from tests.interop.conftest import DATA, bilateral, mobility

pytestmark = pytest.mark.django_db

NS = "{https://github.com/erasmus-without-paper/ewp-specs-api-iias/blob/stable-v7/endpoints/get-response.xsd}"
EXAMPLE = DATA / "iias-get-response-example.xml"


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("ewp", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_export_writes_the_institutions_iias_to_stdout(warsaw, hibo):
    agreement = bilateral(warsaw, hibo, mobility(warsaw, hibo))
    lone = InstitutionFactory(name="Institute Without Domain", schac_code=None)
    skipped = bilateral(warsaw, lone, title="Without code")

    out, err = run("export", "--institution", "uw")

    root = etree.fromstring(out.encode())
    iias_get_response_schema().assertValid(root)
    assert [iia.findtext(f"{NS}partner/{NS}iia-id") for iia in root] == [str(agreement.pk)]
    assert err.splitlines() == [
        f"agreement {skipped.pk} (Without code): skipped, Institute Without Domain has no SCHAC "
        "code, which EWP identifies institutions by.",
        "1 IIAs of University of Warsaw (uw.edu.pl) exported, 1 skipped.",
    ]


def test_export_to_a_file_of_chosen_agreements(warsaw, hibo, tmp_path):
    chosen = bilateral(warsaw, hibo, mobility(warsaw, hibo))
    bilateral(warsaw, hibo)
    target = tmp_path / "iias.xml"

    out, err = run(
        "export",
        "--institution",
        "uw.edu.pl",
        "--output",
        str(target),
        "--agreement",
        str(chosen.pk),
        "999999",
    )

    assert out == ""
    root = etree.parse(str(target)).getroot()
    assert [iia.findtext(f"{NS}partner/{NS}iia-id") for iia in root] == [str(chosen.pk)]
    assert (
        "agreement 999999: skipped, no bilateral exchange agreement of University of Warsaw" in err
    )


def test_export_for_an_unknown_institution_fails(db):
    with pytest.raises(CommandError, match="No institution has the slug or SCHAC code 'nowhere'"):
        run("export", "--institution", "nowhere")


def test_export_needs_the_institutions_schac_code(db):
    InstitutionFactory(slug="no-domain", schac_code=None, name="No Domain Institute")
    with pytest.raises(CommandError, match="No Domain Institute has no SCHAC code"):
        run("export", "--institution", "no-domain")


def test_import_reports_each_iia(staff, warsaw, hibo):
    out, _err = run("import", str(EXAMPLE), "--institution", "hibo.no")

    agreement = Agreement.objects.get()
    lines = out.splitlines()
    assert lines[0] == (
        f"IIA 1 (uw.edu.pl 0f7a5682-faf7-49a7-9cc7-ec486c49a281): created as agreement "
        f"{agreement.pk}"
    )
    assert (
        "  note: student-studies-mobility-spec 1: the sending organisational unit is not kept."
        in (lines)
    )
    assert lines[-1] == ("1 IIAs: 1 created, 0 updated, 0 unchanged, 0 skipped, 0 refused.")
    assert list(agreement.ewp_links.values_list("hei_id", flat=True)) == ["uw.edu.pl"]


def test_import_twice_changes_nothing_the_second_time(staff, warsaw, hibo):
    run("import", str(EXAMPLE), "--institution", "hibo")
    before = agreement_row_counts()

    out, _err = run("import", str(EXAMPLE), "--institution", "hibo")

    assert (
        out.splitlines()[-1] == "1 IIAs: 0 created, 0 updated, 1 unchanged, 0 skipped, 0 refused."
    )
    assert agreement_row_counts() == before


def test_import_dry_run_changes_nothing(staff, warsaw, hibo):
    out, _err = run("import", str(EXAMPLE), "--institution", "hibo", "--dry-run")

    assert out.splitlines()[0] == "IIA 1 (uw.edu.pl 0f7a5682-faf7-49a7-9cc7-ec486c49a281): created"
    assert out.splitlines()[-1].endswith("Dry run: nothing was changed.")
    assert Agreement.objects.count() == 0


def test_import_of_a_file_that_is_not_xml_names_the_line(staff, hibo, tmp_path):
    path = tmp_path / "iias.xml"
    path.write_text("<iias-get-response>\n\n<iia>\n</iias-get-response>\n")

    with pytest.raises(CommandError) as error:
        run("import", str(path), "--institution", "hibo")

    assert str(error.value).startswith(f"{path}: The file is not well-formed XML: line 4: ")
    assert str(error.value).endswith("Nothing was imported.")


def test_import_of_an_invalid_file_names_the_line(staff, hibo, tmp_path):
    path = tmp_path / "iias.xml"
    path.write_text(
        EXAMPLE.read_text().replace("<in-effect>true</in-effect>", "<in-effect>yes</in-effect>")
    )

    with pytest.raises(CommandError) as error:
        run("import", str(path), "--institution", "hibo")

    assert str(error.value) == (
        f"{path}: The file is not a valid EWP IIAs v7 get response: line 45: Element "
        "'in-effect': 'yes' is not a valid value of the atomic type 'xs:boolean'. "
        "Nothing was imported."
    )
    assert Agreement.objects.count() == 0


def test_import_with_a_refused_iia_fails_and_names_it(staff, hibo, tmp_path):
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"^1 of 1 IIAs refused; nothing was imported\.$"):
        call_command("ewp", "import", str(EXAMPLE), "--institution", "hibo", stdout=out)

    assert out.getvalue().splitlines()[0] == (
        "IIA 1 (uw.edu.pl 0f7a5682-faf7-49a7-9cc7-ec486c49a281): refused, unknown HEI "
        "uw.edu.pl: no institution in Accord has this SCHAC code."
    )
    assert EwpIiaLink.objects.count() == 0


def test_import_of_a_missing_file_fails(staff, hibo, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run("import", str(tmp_path / "missing.xml"), "--institution", "hibo")


def test_import_needs_a_platform_staff_user_or_as(warsaw, hibo):
    with pytest.raises(CommandError, match="No platform staff user"):
        run("import", str(EXAMPLE), "--institution", "hibo")


def test_import_as_a_named_user(warsaw, hibo):
    admin = UserFactory(username="registrar", is_staff=True)

    run("import", str(EXAMPLE), "--institution", "hibo", "--as", "registrar")

    assert Agreement.objects.get().created_by == admin


def test_import_as_an_unknown_user_fails(staff, hibo):
    with pytest.raises(CommandError, match="No active user is called 'ghost'"):
        run("import", str(EXAMPLE), "--institution", "hibo", "--as", "ghost")


def test_links_are_shown_read_only_in_the_admin(client, staff, warsaw, hibo):
    run("import", str(EXAMPLE), "--institution", "hibo")
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)

    listing = client.get("/admin/interop/ewpiialink/")

    assert listing.status_code == 200
    assert "0f7a5682-faf7-49a7-9cc7-ec486c49a281" in listing.content.decode()
    assert client.get("/admin/interop/ewpiialink/add/").status_code == 403
