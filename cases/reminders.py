"""Reminders that the age rules feed into the daily sweep (notifications.services.run_reminder_sweep).

- guardianship_conversion: an open guardianship of a child who has reached the trusteeship rule's
  ``min_age`` (14 unless the rule says otherwise) is due to become a trusteeship; one reminder to the
  case's worker, due on that birthday, its title giving the rule's age, until the worker records the
  conversion (cases.services.convert_to_trusteeship).
- coming_of_age: an open placement of a child who comes of age (18, setting AGE_OF_MAJORITY) within
  COMING_OF_AGE_EARLY_CLOSE_DAYS is due to end "came of age"; one reminder to the case's worker, due
  on the 18th birthday. The same statement cancels the visits still planned on or after the
  birthday (planning never puts one there; this clears those planned before the rule).

Each is one set-based statement, as the other steps. After a run on day L only the children whose
birthday came since L are looked at (birth dates through the birth-date index, then the child's one
active placement through its unique index); a first run, a forced one or one after a gap looks at
every open placement, so legacy rows are caught too. The unique key of a notification makes a
re-run add nothing.
"""

import datetime as dt
from typing import TYPE_CHECKING

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.utils.translation import gettext_noop

if TYPE_CHECKING:
    from notifications.services import PreviousSweep


# The reminder's title: the case, the conversion age (the trusteeship rule's) and the birthday.
# Rows written before the age was an argument (notifications migration 0013) are rewritten to it.
GUARDIANSHIP_CONVERSION_TITLE = gettext_noop(
    "Case № %s: the child turned %s on %s; record the conversion of the guardianship to a trusteeship")


def guardianship_conversion_step(today: dt.date, previous: "PreviousSweep | None" = None) -> tuple[str, dict]:
    from cases.models import FormOfCareRule
    from notifications.services import INSERT, title_param

    rule = FormOfCareRule.objects.filter(form_of_care="trusteeship").first()
    age = rule.min_age if rule is not None and rule.min_age is not None else 14
    born_after = previous.day - relativedelta(years=age) - dt.timedelta(days=1) if previous else dt.date(1900, 1, 1)
    return INSERT.format(select="""
        SELECT k.assigned_worker_id, 'guardianship_conversion', 'placement:' || p.id, d.turns_on,
               format(%(title)s, k.id, %(age)s::int, d.turns_on), '', k.id, p.id, now(),
               %(title_key)s, jsonb_build_array(k.id, %(age)s::int, d.turns_on)
        FROM cases_placement p
        JOIN children_child c ON c.id = p.child_id
        JOIN cases_case k ON k.id = p.case_id
        CROSS JOIN LATERAL (SELECT (c.birth_date + make_interval(years => %(age)s))::date AS turns_on) d
        WHERE p.ended_on IS NULL AND p.form_of_care = 'guardianship' AND d.turns_on <= %(today)s
          AND c.birth_date > %(born_after)s AND k.assigned_worker_id IS NOT NULL
    """), {"age": age, "today": today, "born_after": born_after,
           **title_param("title", GUARDIANSHIP_CONVERSION_TITLE)}


def coming_of_age_step(today: dt.date, previous: "PreviousSweep | None" = None) -> tuple[str, dict]:
    from notifications.services import INSERT, title_param

    early = int(getattr(settings, "COMING_OF_AGE_EARLY_CLOSE_DAYS", 31))
    # The data-modifying CTE must lead the statement: WITH ... DELETE ..., then the INSERT.
    cte = """
        WITH due AS MATERIALIZED (
            SELECT p.id, k.id AS case_id, k.assigned_worker_id, d.comes_of_age_on
            FROM cases_placement p
            JOIN children_child c ON c.id = p.child_id
            JOIN cases_case k ON k.id = p.case_id
            CROSS JOIN LATERAL (SELECT (c.birth_date + make_interval(years => %(majority)s))::date AS comes_of_age_on) d
            WHERE p.ended_on IS NULL AND c.birth_date <= %(born_by)s AND c.birth_date > %(born_after)s
        ), cancelled AS (
            DELETE FROM visits_visit v USING due
            WHERE v.placement_id = due.id AND v.done_on IS NULL AND v.planned_on >= due.comes_of_age_on
        )
    """
    select = """
        SELECT due.assigned_worker_id, 'coming_of_age', 'placement:' || due.id, due.comes_of_age_on,
               format(%(title)s, due.case_id, due.comes_of_age_on), '', due.case_id, due.id, now(),
               %(title_key)s, jsonb_build_array(due.case_id, due.comes_of_age_on)
        FROM due WHERE due.assigned_worker_id IS NOT NULL
    """
    majority = int(settings.AGE_OF_MAJORITY)
    # Born by this day: 18 within the early window; after a run on day L, only those who were not yet then.
    born_by = today + dt.timedelta(days=early) - relativedelta(years=majority)
    born_after = previous.day + dt.timedelta(days=early) - relativedelta(years=majority) if previous else dt.date(1900, 1, 1)
    return cte + INSERT.format(select=select), {
        "majority": majority, "born_by": born_by, "born_after": born_after,
        **title_param("title", gettext_noop("Case № %s: the child comes of age on %s; end the placement (\"came of age\")")),
    }


def register_sweep_steps() -> None:
    """Add the steps to the sweep once (called from CasesConfig.ready)."""
    from notifications import services

    steps = getattr(services, "SWEEP_STEPS", None)
    if steps is None:
        return
    for name, step in (("guardianship_conversion", guardianship_conversion_step), ("coming_of_age", coming_of_age_step)):
        if name not in [existing for existing, _step in steps]:
            steps.append((name, step))
