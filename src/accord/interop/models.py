"""Links between Accord's records and their copies in other systems."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EwpIiaLink(models.Model):
    """An Erasmus Without Paper IIA, known to its HEI `hei_id` as `iia_id`, is the Accord
    agreement `agreement`. `iia_hash` is the hash of the version last imported."""

    agreement = models.ForeignKey(
        "agreements.Agreement",
        on_delete=models.CASCADE,
        related_name="ewp_links",
        verbose_name=_("agreement"),
    )
    hei_id = models.CharField(_("HEI id"), max_length=253)
    iia_id = models.CharField(_("IIA id"), max_length=64)
    iia_hash = models.CharField(_("IIA hash"), max_length=64)
    last_imported_at = models.DateTimeField(_("last imported at"))

    class Meta:
        verbose_name = _("EWP IIA link")
        verbose_name_plural = _("EWP IIA links")
        ordering = ["hei_id", "iia_id"]
        constraints = [
            models.UniqueConstraint(fields=["hei_id", "iia_id"], name="ewp_iia_link_unique_id")
        ]
        indexes = [models.Index(fields=["agreement", "hei_id"])]

    def __str__(self) -> str:
        return f"{self.hei_id} {self.iia_id}"
