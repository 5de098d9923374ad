"""The in-app inbox: one row per reminder or alert for one user."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    class Kind(models.TextChoices):
        VISIT_DUE = "visit_due", _("visit due in 7 days")
        VISIT_OVERDUE = "visit_overdue", _("visit overdue")
        CERTIFICATE_EXPIRING = "certificate_expiring", _("home study or certificate expiring")
        CASE_STUCK = "case_stuck", _("case stuck in a stage")
        HIGH_RISK_NO_VISIT = "high_risk_no_visit", _("high-risk placement without a visit")
        HIGH_RISK = "high_risk", _("placement moved into high risk")
        ESCALATION = "escalation", _("overdue item escalated")
        DECISION_WAITING = "decision_waiting", _("decision waiting for approval")
        EMERGENCY_ACCESS = "emergency_access", _("emergency access opened to a case")
        # The age is the trusteeship rule's (cases.FormOfCareRule.min_age), which officials may change.
        GUARDIANSHIP_CONVERSION = "guardianship_conversion", _(
            "guardianship due to become a trusteeship (child reached the trusteeship age)")
        COMING_OF_AGE = "coming_of_age", _("placement due to end: the child comes of age")
        CARER_RECHECK = "carer_recheck", _("carers' periodic check due")
        # An applicant's death, divorce or departure (and the alerts written before the change was kept).
        FAMILY_SUSPENDED = "family_suspended", _("family's approval suspended by a change in the family")
        FAMILY_CHOSEN = "family_chosen", _("family of your unit chosen for acquaintance")
        VISIT_CONFLICT = "visit_conflict", _("visit recorded offline kept as a conflict")
        # A failed carer check (conviction, registration, prosecution): it suspends the approval too, but
        # is no change in the family's make-up, so it is listed as what it is.
        CARER_CHECK_FAILED = "carer_check_failed", _("carer check failed: the family's approval suspended")

    # No index of its own: the unique key and the inbox index both start with the recipient (every
    # index costs the daily sweep's bulk inserts).
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications",
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    # What the reminder is about, as "<model>:<id>", with the due date: one reminder per event.
    subject_key = models.CharField(_("subject"), max_length=60)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    # The title's untranslated text and its arguments, so that each reader sees it in their own
    # language with dates as the pages write them (``title`` is the sweep's language: e-mails, admin).
    title_key = models.CharField(_("title text"), max_length=200, blank=True, db_default="")
    title_args = models.JSONField(_("title arguments"), null=True, blank=True)
    body = models.TextField(_("text"), blank=True)
    # The text's untranslated form and arguments, as for the title (``body`` is the writer's language).
    body_key = models.TextField(_("text untranslated"), blank=True, db_default="")
    body_args = models.JSONField(_("text arguments"), null=True, blank=True)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    placement = models.ForeignKey("cases.Placement", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # The family an alert is about (a suspension, papers expiring, a carers' check, a family chosen for
    # acquaintance): the inbox links it to the family's page. Indexed only where set (few rows).
    family = models.ForeignKey("families.Family", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                               db_index=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "kind", "subject_key", "due_on"], name="notification_once_per_event"),
        ]
        indexes = [
            # The inbox: one user's rows, newest first.
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
            models.Index(fields=["emailed_at"], condition=models.Q(emailed_at__isnull=True), name="notification_unsent_idx"),
            models.Index(fields=["family"], condition=models.Q(family__isnull=False), name="notification_family_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def display_title(self) -> str:
        """The title in the active language (notifications.titles.render); the stored one for rows
        written before titles kept their text and arguments."""
        from notifications.titles import render

        return render(self.title_key, self.title_args, getattr(self, "units", None)) or self.title

    @property
    def display_body(self) -> str:
        """The text in the active language, as display_title; the stored one for older rows."""
        from notifications.titles import render

        return render(self.body_key, self.body_args, getattr(self, "units", None)) or self.body

    def paths(self) -> list[str]:
        """The pages the notification leads to, as the inbox links them: the family's page (a family's
        alert) or the case's, then each case its text names at its placements. Paths only, not checked
        against the reader's rights (the e-mail's links: each page answers 404 to one who may not see it)."""
        from django.urls import reverse

        paths = []
        if self.family_id:
            paths.append(reverse("web:family", args=[self.family_id]))
        elif self.case_id:
            paths.append(reverse("web:case", args=[self.case_id]))
        paths += [reverse("web:case", args=[pk]) + "#placements" for pk in self.case_ids]
        return paths

    @property
    def case_ids(self) -> list[int]:
        """The cases the text names (``{"cases": [ids]}`` among its arguments: the family suspended's
        placed children the recipient may see), for the inbox to link each; [] for none."""
        from notifications.titles import case_ids

        return case_ids(self.body_args)


class SweepStep(models.Model):
    """One kind of reminder swept for one day, committed with the reminders it inserted: a re-run
    the same day skips the kinds already done (and redoes a kind whose run died before committing)."""

    day = models.DateField(_("day"))
    step = models.CharField(_("step"), max_length=40)
    created = models.PositiveIntegerField(_("reminders created"), default=0)
    finished_at = models.DateTimeField(_("finished at"), auto_now_add=True)

    class Meta:
        ordering = ["-day", "step"]
        verbose_name = _("sweep step")
        verbose_name_plural = _("sweep steps")
        constraints = [models.UniqueConstraint(fields=["day", "step"], name="sweep_step_once_per_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.step}"
