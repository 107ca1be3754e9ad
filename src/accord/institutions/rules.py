"""Who may add and change institutions. The register itself is public: everyone sees it."""

import rules

from accord.core.rules import is_institution_admin, is_platform_staff

rules.add_perm("institutions.add_institution", is_platform_staff)
# Editing an institution covers its units and contacts.
rules.add_perm("institutions.change_institution", is_platform_staff | is_institution_admin)
