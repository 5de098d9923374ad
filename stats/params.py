"""Reading and checking the query string of a statistics request. Every mistake answers 400 with
the values that would have been accepted."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.http import QueryDict
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from core.dates import day_text
from core.exceptions import DomainError
from regions.models import Region
from stats.dimensions import NO_FAMILY_PLACEMENT, OVER_AGE_BAND, category_values
from stats.indicators import DEFAULT_YEARS, INDICATORS, Indicator, QuerySpec

OPTIONS = ("breakdown", "epsilon", "suppress", "format")


@dataclass(frozen=True)
class Options:
    suppress: bool
    epsilon: float | None


def indicator_named(name: str) -> Indicator:
    try:
        return INDICATORS[name]
    except KeyError:
        raise DomainError(
            _("Unknown indicator “%(name)s”. Allowed: %(allowed)s.") % {"name": name, "allowed": ", ".join(INDICATORS)},
            field="indicator",
        ) from None


def _list(query: QueryDict, name: str) -> list[str]:
    return [v.strip() for raw in query.getlist(name) for v in raw.split(",") if v.strip()]


def _choose(name: str, values: list[str], allowed: list[str]) -> tuple[str, ...]:
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise DomainError(
            _("Unknown value(s) %(unknown)s. Allowed: %(allowed)s.") % {"unknown": ", ".join(unknown), "allowed": ", ".join(allowed)},
            field=name,
        )
    return tuple(dict.fromkeys(values))


def _year(query: QueryDict, name: str) -> int | None:
    raw = query.get(name)
    if raw in (None, ""):
        return None
    if not raw.isdigit() or not 1900 <= int(raw) <= 2100:
        raise DomainError(_("Give a year between 1900 and 2100."), field=name)
    return int(raw)


def parse_request(indicator: Indicator, query: QueryDict, user: User) -> tuple[QuerySpec, Options]:
    allowed_params = [*indicator.filters, *OPTIONS]
    unknown = [name for name in query if name not in allowed_params]
    if unknown:
        raise DomainError(
            _("Unknown parameter(s) %(unknown)s for %(indicator)s. Allowed: %(allowed)s.")
            % {"unknown": ", ".join(sorted(unknown)), "indicator": indicator.name, "allowed": ", ".join(allowed_params)},
            field="non_field_errors",
        )

    breakdown = _choose("breakdown", _list(query, "breakdown"), list(indicator.breakdowns))
    if "year" in breakdown and "quarter" in breakdown:
        raise DomainError(_("Break down by year or by quarter, not both."), field="breakdown")

    region_ids: tuple[int, ...] = ()
    codes = _list(query, "region")
    if codes:
        by_code = dict(Region.objects.values_list("code", "pk"))
        region_ids = tuple(by_code[c] for c in _choose("region", codes, sorted(by_code)))

    categories: dict[str, tuple[str, ...]] = {}
    for name in indicator.filters:
        if name in ("region", "year_from", "year_to", "as_of"):
            continue
        values = _list(query, name)
        if values:
            categories[name] = _choose(name, values, allowed_values(indicator, name))

    year_from, year_to = _year(query, "year_from"), _year(query, "year_to")
    if year_from is not None and year_to is not None and year_from > year_to:
        raise DomainError(_("year_from must not be after year_to."), field="year_from")

    today = timezone.localdate()
    # Analysts see statistics as of published dates only (quarter ends): two answers a day apart
    # would tell what happened that day.
    published_only = user.is_analyst and not user.is_administrator
    as_of = last_quarter_end(today) if published_only else today
    if query.get("as_of"):
        try:
            as_of = dt.date.fromisoformat(query["as_of"])
        except ValueError:
            raise DomainError(_("Give the date as YYYY-MM-DD."), field="as_of") from None
        if as_of > today:
            raise DomainError(_("The as_of date cannot be in the future."), field="as_of")
        if published_only and not is_quarter_end(as_of):
            raise DomainError(
                _("Statistics are published as of quarter ends (31 March, 30 June, 30 September, 31 December); "
                  "the latest is %(date)s.") % {"date": day_text(last_quarter_end(today))},
                field="as_of",
            )

    if indicator.stock and not ("year" in breakdown or "quarter" in breakdown):
        if year_from is not None and year_to is not None and year_from != year_to:
            raise DomainError(
                _("Children in care are counted on one date: give one year (its 31 December) or break down by year."),
                field="year_from",
            )
    elif ("year" in breakdown or "quarter" in breakdown) and year_from is None:
        # A fixed window of years, so that the table's rows never depend on where the data start.
        year_from = min(year_to if year_to is not None else as_of.year, as_of.year) - DEFAULT_YEARS + 1

    scope = scope_for(user)
    if scope is not None and region_ids and not set(region_ids) <= set(scope):
        raise DomainError(_("You may see statistics of your own region only."), field="region")

    options = Options(suppress=_suppress(query, user), epsilon=_epsilon(query))
    spec = QuerySpec(
        indicator=indicator.name, breakdown=breakdown, as_of=as_of, regions=region_ids, year_from=year_from,
        year_to=year_to, categories=categories, scope_regions=scope,
    )
    _check_size(spec, indicator)
    return spec, options


def is_quarter_end(day: dt.date) -> bool:
    return (day.month, day.day) in ((3, 31), (6, 30), (9, 30), (12, 31))


def last_quarter_end(today: dt.date) -> dt.date:
    """The latest quarter end on or before ``today``."""
    first_of_quarter = dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    return today if is_quarter_end(today) else first_of_quarter - dt.timedelta(days=1)


def allowed_values(indicator: Indicator, name: str) -> list[str]:
    values = category_values(name)
    if name == "form_of_care" and indicator.name == "children_in_care":
        values = [*values, NO_FAMILY_PLACEMENT]
    if name == "age_band":
        values = [*values, OVER_AGE_BAND]
    return values


def scope_for(user: User) -> tuple[int, ...] | None:
    """Regions a caller's statistics are limited to: a supervisor sees their unit's region; the
    ministry, analysts and administrators the whole country."""
    if user.is_supervisor and not user.is_administrator and user.unit_id and user.unit.region_id:
        return (user.unit.region_id,)
    return None


def _suppress(query: QueryDict, user: User) -> bool:
    raw = query.get("suppress")
    if raw not in (None, "", "true", "false", "1", "0"):
        raise DomainError(_("suppress is true or false."), field="suppress")
    wanted = raw in ("true", "1")
    if user.is_analyst and not user.is_administrator:
        if raw in ("false", "0"):
            raise DomainError(_("Analysts receive suppressed statistics only."), field="suppress")
        return True
    return wanted


def _epsilon(query: QueryDict) -> float | None:
    """The epsilon of a noisy release, one of STATS_EPSILONS: a value in between is rounded down
    (never more privacy spent than asked), one within a millionth of a step is that step, so that a
    nudged epsilon is the same release."""
    raw = query.get("epsilon")
    if raw in (None, ""):
        return None
    try:
        epsilon = float(raw)
    except ValueError:
        epsilon = -1.0
    steps = sorted(settings.STATS_EPSILONS)
    if not (epsilon == epsilon and steps[0] * (1 - 1e-6) <= epsilon <= steps[-1] * (1 + 1e-6)):
        raise DomainError(
            _("epsilon is a number from %(min)s to %(max)s (releases use %(steps)s; a value in between is rounded down).")
            % {"min": steps[0], "max": steps[-1], "steps": ", ".join(str(e) for e in steps)},
            field="epsilon",
        )
    return max(step for step in steps if step <= epsilon * (1 + 1e-6))


def _check_size(spec: QuerySpec, indicator: Indicator) -> None:
    # A rough upper bound of the cells, before running anything: 20 regions, 6 age bands, 10 years...
    sizes = {"region": 20, "year": 15, "quarter": 60, "sex": 2, "age_band": 6, "form_of_care": 8, "carer_relationship": 5,
             "end_reason": 6, "outcome": 5}
    cells = 1
    for name in spec.breakdown:
        cells *= len(spec.categories.get(name, ())) or (len(spec.regions) if name == "region" and spec.regions else sizes[name])
    if cells > settings.STATS_MAX_CELLS:
        raise DomainError(
            ngettext("This breakdown gives up to %(cells)s cell; at most %(max)s are published. Choose fewer breakdowns or filter.",
                     "This breakdown gives up to %(cells)s cells; at most %(max)s are published. Choose fewer breakdowns or filter.",
                     cells)
            # Numbers grouped as the pages write them ("115 200"), in the reader's language.
            % {"cells": number_format(cells, force_grouping=True), "max": number_format(settings.STATS_MAX_CELLS, force_grouping=True)},
            field="breakdown",
        )
