"""Reading and checking the query string of a statistics request. Every mistake answers 400 with
the values that would have been accepted."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.exceptions import DomainError
from regions.models import Region
from stats.dimensions import NO_FAMILY_PLACEMENT, OVER_AGE_BAND, category_values
from stats.indicators import INDICATORS, Indicator, QuerySpec

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
    as_of = today
    if query.get("as_of"):
        try:
            as_of = dt.date.fromisoformat(query["as_of"])
        except ValueError:
            raise DomainError(_("Give the date as YYYY-MM-DD."), field="as_of") from None
        if as_of > today:
            raise DomainError(_("The as_of date cannot be in the future."), field="as_of")

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
    raw = query.get("epsilon")
    if raw in (None, ""):
        return None
    try:
        epsilon = float(raw)
    except ValueError:
        epsilon = -1.0
    if not 0 < epsilon <= settings.STATS_MAX_EPSILON:
        raise DomainError(
            _("epsilon is a number above 0 and at most %(max)s.") % {"max": settings.STATS_MAX_EPSILON}, field="epsilon"
        )
    return epsilon


def _check_size(spec: QuerySpec, indicator: Indicator) -> None:
    # A rough upper bound of the cells, before running anything: 20 regions, 6 age bands, 10 years...
    sizes = {"region": 20, "year": 15, "quarter": 60, "sex": 2, "age_band": 6, "form_of_care": 8, "carer_relationship": 5,
             "end_reason": 6, "outcome": 5}
    cells = 1
    for name in spec.breakdown:
        cells *= len(spec.categories.get(name, ())) or (len(spec.regions) if name == "region" and spec.regions else sizes[name])
    if cells > settings.STATS_MAX_CELLS:
        raise DomainError(
            _("This breakdown gives up to %(cells)s cells; at most %(max)s are published. Choose fewer breakdowns or filter.")
            % {"cells": cells, "max": settings.STATS_MAX_CELLS},
            field="breakdown",
        )
