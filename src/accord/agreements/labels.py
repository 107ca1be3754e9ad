"""How the fields of an agreement and of what it holds are named to people."""

from django.db import models
from django.utils.translation import gettext as _

from .models import Agreement, AgreementDocument, AgreementParty, Provision


def field_labels() -> dict[str, str]:
    """Field name -> label, over the agreement and everything it holds."""
    labels: dict[str, str] = {}
    for model in (AgreementDocument, Provision, AgreementParty, Agreement):
        for model_field in model._meta.get_fields():
            if isinstance(model_field, models.Field) and model_field.verbose_name:
                labels[model_field.name] = str(model_field.verbose_name).capitalize()
    labels.update(
        {
            "institutions": _("Parties"),
            "parties": _("Parties"),
            "institution": _("Institution"),
            "reason": _("Reason"),
            "terms": _("Terms"),
            "file": _("File"),
            "name": _("File name"),
            "renewal": _("Renewal"),
            "amendment": _("Amendment"),
            "days_before": _("Days before the end"),
            "to": _("Sent to"),
        }
    )
    return labels
