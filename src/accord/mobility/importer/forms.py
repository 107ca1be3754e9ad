"""The upload form of a mobility import."""

from typing import Any

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from accord.core.models import User
from accord.institutions.forms import InstitutionChoiceField
from accord.institutions.models import Institution

from .services import institutions_importable_by, max_upload_bytes


class ImportUploadForm(forms.Form):
    institution = InstitutionChoiceField(
        label=_("Home institution"),
        queryset=Institution.objects.none(),
        to_field_name="slug",
        help_text=_("The institution that sends the people in the file."),
    )
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["institution"]
        assert isinstance(field, InstitutionChoiceField)
        field.offer(institutions_importable_by(user).order_by("name").only("slug", "name", "names"))
        self.fields["file"].help_text = _(
            "CSV (UTF-8) or Excel workbook (.xlsx), up to %(limit)s."
        ) % {"limit": filesizeformat(max_upload_bytes())}
