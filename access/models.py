"""Object permissions on cases, children and families, and the record of who shared a case with whom.

Guardian's default tables keep the object id as text with a generic foreign key: PostgreSQL cannot use
the primary-key index through the cast, and rows outlive the object. The direct foreign-key models
below (guardian's documented alternative) index the id as an integer and cascade on delete.

Grants may expire: ``expires_at`` is null for a grant without end. Every check the project makes
filters ``expires_at > now()`` in the database, so an expired grant never gives access, even before
the nightly sweep deletes it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.managers import GroupObjectPermissionManager, UserObjectPermissionManager
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

# Codenames of the permissions this app adds to the Case model (by data migration 0002, so that the
# cases app's Meta and migrations stay untouched).
VIEW_SENSITIVE = "view_sensitive"
SHARE_CASE = "share_case"
REASSIGN_CASE = "reassign_case"


class ExpiringGrantQuerySet(models.QuerySet):
    def active(self) -> "ExpiringGrantQuerySet":
        """Grants in force now: no expiry, or an expiry still in the future (compared in the database)."""
        return self.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=Now()))


# Guardian's managers (assign_perm, remove_perm) with ``.active()`` added.
UserGrantManager = UserObjectPermissionManager.from_queryset(ExpiringGrantQuerySet)
GroupGrantManager = GroupObjectPermissionManager.from_queryset(ExpiringGrantQuerySet)


class ExpiringGrant(models.Model):
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        abstract = True


class UserGrant(UserObjectPermissionBase, ExpiringGrant):
    """A user's permission on one object; subclasses name the object's model in ``content_object``."""

    objects = UserGrantManager()

    class Meta(UserObjectPermissionBase.Meta):
        abstract = True

    def __str__(self) -> str:
        return f"{self.content_object_id} | {self.user_id} | {self.permission_id}"


class GroupGrant(GroupObjectPermissionBase, ExpiringGrant):
    """A group's permission on one object; subclasses name the object's model in ``content_object``."""

    objects = GroupGrantManager()

    class Meta(GroupObjectPermissionBase.Meta):
        abstract = True

    def __str__(self) -> str:
        return f"{self.content_object_id} | {self.group_id} | {self.permission_id}"


class CaseUserObjectPermission(UserGrant):
    content_object = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="+")

    class Meta(UserGrant.Meta):
        verbose_name = _("case permission of a user")
        verbose_name_plural = _("case permissions of users")
        # unique_together (user, permission, content_object) comes from guardian and leads with the
        # user: "which cases may this user see" is one index range.


class CaseGroupObjectPermission(GroupGrant):
    content_object = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="+")

    class Meta(GroupGrant.Meta):
        verbose_name = _("case permission of a group")
        verbose_name_plural = _("case permissions of groups")


class ChildUserObjectPermission(UserGrant):
    content_object = models.ForeignKey("children.Child", verbose_name=_("child"), on_delete=models.CASCADE, related_name="+")

    class Meta(UserGrant.Meta):
        verbose_name = _("child permission of a user")
        verbose_name_plural = _("child permissions of users")


class ChildGroupObjectPermission(GroupGrant):
    content_object = models.ForeignKey("children.Child", verbose_name=_("child"), on_delete=models.CASCADE, related_name="+")

    class Meta(GroupGrant.Meta):
        verbose_name = _("child permission of a group")
        verbose_name_plural = _("child permissions of groups")


class FamilyUserObjectPermission(UserGrant):
    content_object = models.ForeignKey("families.Family", verbose_name=_("family"), on_delete=models.CASCADE, related_name="+")

    class Meta(UserGrant.Meta):
        verbose_name = _("family permission of a user")
        verbose_name_plural = _("family permissions of users")


class FamilyGroupObjectPermission(GroupGrant):
    content_object = models.ForeignKey("families.Family", verbose_name=_("family"), on_delete=models.CASCADE, related_name="+")

    class Meta(GroupGrant.Meta):
        verbose_name = _("family permission of a group")
        verbose_name_plural = _("family permissions of groups")


class CaseShareQuerySet(models.QuerySet):
    def active(self) -> "CaseShareQuerySet":
        return self.filter(revoked_at__isnull=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=Now()))


class CaseShare(models.Model):
    """A supervisor's decision to let one more user see a case, kept after it ends (expiry or
    revocation) as part of the audit trail. The access itself is the matching guardian grant."""

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("shared with"), on_delete=models.PROTECT, related_name="case_shares"
    )
    include_sensitive = models.BooleanField(_("includes sensitive fields"), default=False)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("granted by"), on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("revoked by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    objects = CaseShareQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_at", "id"]
        verbose_name = _("case share")
        verbose_name_plural = _("case shares")
        constraints = [
            # One open share per user and case; an expired one is closed (revoked) before a new one.
            models.UniqueConstraint(fields=["case", "user"], condition=Q(revoked_at__isnull=True), name="case_share_one_open"),
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=models.F("granted_at")), name="case_share_expires_after_grant"
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoked_by__isnull=True) | Q(revoked_at__isnull=False),
                name="case_share_revoker_only_when_revoked",
            ),
        ]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.user_id}"
