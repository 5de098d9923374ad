"""The case page's timeline a page at a time (issue 17 "Speed"): the newest TIMELINE_PAGE entries on
the case page, the earlier ones on demand ("show earlier entries": an htmx fragment, or a page of its
own without script), in one total order, by the same rules (a sensitive note, a visit's concerns
only with view_sensitive), in a constant number of queries."""

import datetime as dt
import re

import pytest
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape

from access.services import share_case
from cases.models import CaseNote, DecisionReview, Stage, StageChange
from cases.selectors import TIMELINE_PAGE
from tests import factories
from web.templatetags.web_tags import person, stage_reason

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def case(worker):
    """A placed case with a history longer than a page: 6 stage changes, 2 decision reviews, 12
    visits done over two placements (and one planned), 26 notes (every third sensitive), notes on
    the days of visits and several on one day."""
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.PLACED)
    now, today = timezone.now(), timezone.localdate()
    stages = ["matching", "acquaintance", "decision", "placed", "matching", "placed"]
    for i, to_stage in enumerate(stages):
        StageChange.objects.create(case=case, from_stage="registered", to_stage=to_stage, actor=worker,
                                   reason="Placed with the family." if to_stage == "placed" else f"step {i}",
                                   changed_at=now - dt.timedelta(days=400 - 60 * i, hours=i))
    family = factories.FamilyFactory()
    for i, approved in enumerate([False, True]):
        review = DecisionReview.objects.create(case=case, family=family, approved=approved, actor=worker,
                                               reason="" if approved else "Old home study.\nRenew it.")
        DecisionReview.objects.filter(pk=review.pk).update(reviewed_at=now - dt.timedelta(days=250 - i))
    ended = factories.PlacementFactory(case=case, family=family, started_on=today - dt.timedelta(days=300),
                                       ended_on=today - dt.timedelta(days=200), end_reason="moved")
    active = factories.PlacementFactory(case=case, family=factories.FamilyFactory(), started_on=today - dt.timedelta(days=190))
    for i in range(12):
        done = today - dt.timedelta(days=5 + 23 * i)
        factories.VisitFactory(placement=ended if done < ended.ended_on else active, planned_on=done,
                               done_on=done, worker=worker, concerns=f"concern {i}" if i % 2 else "")
    factories.VisitFactory(placement=active, planned_on=today + dt.timedelta(days=9))
    for i in range(26):
        # Notes 0-3 on one day; every fourth on a visit's day.
        day = today - dt.timedelta(days=2 if i < 4 else (5 + 23 * (i % 12) if i % 4 == 0 else 3 + 11 * i))
        CaseNote.objects.create(case=case, kind="contact", written_on=day, text=f"note {i}\nline two",
                                sensitive=i % 3 == 0, author=worker)
    return case


def old_timeline(case, *, sensitive: bool) -> list[tuple]:
    """The whole timeline as the case page wrote it before it came a page at a time (a frozen copy of
    that code): (kind, title, when, author, text) per entry, newest first."""
    local = timezone.localtime
    # Since the fresh look of 2026-11: a stage change's title says "from → to", as the record's history.
    items = [{"at": local(c.changed_at), "kind": "stage", "title": (f"{c.get_from_stage_display()} → {c.get_to_stage_display()}"
                                                                  if c.from_stage else c.get_to_stage_display()),
              "text": escape(stage_reason(c.reason)), "who": c.actor} for c in case.stage_changes.order_by("changed_at", "id")]
    for review in case.decision_reviews.order_by("reviewed_at", "id"):
        items.append({"at": local(review.reviewed_at), "kind": "decision",
                      "title": "Decision approved" if review.approved else "Decision rejected",
                      "text": linebreaksbr(review.reason), "who": review.actor})
    for placement in case.placements.order_by("-started_on", "-id"):
        for visit in placement.visits.order_by("planned_on", "id"):
            if visit.done_on:
                items.append({"at": visit.done_on, "kind": "visit", "title": visit.get_kind_display(),
                              "text": linebreaksbr(visit.concerns) if sensitive and visit.concerns else "", "who": visit.worker})
    notes = case.notes.order_by("-written_on", "-id")
    for note in notes if sensitive else notes.filter(sensitive=False):
        items.append({"at": note.written_on, "kind": "note", "title": note.get_kind_display(),
                      "text": linebreaksbr(note.text), "who": note.author})

    def key(item: dict) -> dt.datetime:
        at = item["at"]
        return at.replace(tzinfo=None) if isinstance(at, dt.datetime) else dt.datetime.combine(at, dt.time.max)

    items.sort(key=key, reverse=True)
    return [(i["kind"], str(i["title"]), date_format(i["at"], "DATETIME_FORMAT" if isinstance(i["at"], dt.datetime)
                                                      else "DATE_FORMAT"), person(i["who"]), str(i["text"])) for i in items]


def shown(items: list[dict]) -> list[tuple]:
    return [(i["kind"], str(i["title"]), i["when"], i["author"], str(i["text"])) for i in items]


MORE = re.compile(r'<li class="tl-more"><a href="([^"]+)" hx-get="\1" hx-target="closest li" hx-swap="outerHTML">'
                  r"Show earlier entries</a></li>")


def more_url(html: str) -> str | None:
    found = MORE.findall(html)
    assert len(found) <= 1
    return found[0].replace("&amp;", "&") if found else None


def whole_timeline(client, case, *, htmx: bool = True) -> tuple[list[str], int]:
    """Every <li> of the timeline, the case page's and then each earlier page's, and the pages read."""
    page = client.get(reverse("web:case", args=[case.pk])).content.decode()
    timeline = page.split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0]
    entries, pages = re.findall(r'<li class="tl-(?:stage|decision|visit|note)">.*?</li>', timeline, re.S), 1
    url = more_url(timeline)
    while url:
        response = client.get(url, headers=HTMX if htmx else {})
        assert response.status_code == 200
        html = response.content.decode()
        if not htmx:
            assert "<html" in html and html.count('<ol class="timeline">') == 1
        entries += re.findall(r'<li class="tl-(?:stage|decision|visit|note)">.*?</li>', html, re.S)
        url, pages = more_url(html), pages + 1
    return entries, pages


def test_the_case_page_shows_the_newest_entries_then_a_link_to_the_earlier_ones(client, worker, case):
    client.force_login(worker)
    response = client.get(reverse("web:case", args=[case.pk]))
    assert [e for e in shown(response.context["timeline"])] == old_timeline(case, sensitive=True)[:TIMELINE_PAGE]
    url = more_url(response.content.decode())
    assert url and url.startswith(f"/cases/{case.pk}/timeline/?before=")


@pytest.mark.parametrize("htmx", [True, False])
def test_the_pages_of_earlier_entries_add_up_to_the_whole_timeline_as_before(client, worker, case, htmx):
    """With htmx (fragments) and without script (pages of their own): each entry once, in the order
    and with the text the case page wrote before it showed a page at a time."""
    client.force_login(worker)
    entries, pages = whole_timeline(client, case, htmx=htmx)
    old = old_timeline(case, sensitive=True)
    assert pages == -(-len(old) // TIMELINE_PAGE) == 3
    assert len(entries) == len(set(entries)) == len(old)
    for html, (kind, title, when, author, text) in zip(entries, old, strict=True):
        assert html.startswith(f'<li class="tl-{kind}"><strong>{escape(title)}</strong>')
        assert f"{when} · {author}" in html and (not text or f'<div class="small">{text}</div>' in html)


def test_a_page_of_earlier_entries_follows_the_total_order_through_entries_of_one_day(client, worker, case):
    """Many entries of one day (notes and visits) cut across pages: none repeated, none lost, a
    cursor in the middle of the day included."""
    today = timezone.localdate()
    placement = case.placements.get(ended_on__isnull=True)
    for i in range(30):
        CaseNote.objects.create(case=case, kind="phone_call", written_on=today, text=f"same day {i}", author=worker)
    for i, kind in enumerate(["urgent", "unscheduled", "urgent"]):  # several of one day
        factories.VisitFactory(placement=placement, kind=kind, planned_on=today, done_on=today, worker=worker,
                               concerns=f"same-day visit {i}")
    client.force_login(worker)
    entries, _pages = whole_timeline(client, case)
    assert len(entries) == len(set(entries)) == len(old_timeline(case, sensitive=True))
    same_day = [e for e in entries if "same day" in e]
    # Notes of one day: the newer first, after the day's visits.
    assert same_day == sorted(same_day, key=lambda e: -int(re.search(r"same day (\d+)", e)[1]))
    first_note = next(i for i, e in enumerate(entries) if 'class="tl-note"' in e)
    assert all('class="tl-note"' not in e or "same day" in e for e in entries[first_note:first_note + 30])


def test_without_view_sensitive_earlier_pages_hide_sensitive_notes_and_concerns(client, worker, supervisor, case):
    colleague = factories.UserFactory(role="social_worker", unit=worker.unit)
    share_case(case=case, user=colleague, actor=supervisor, reason="holiday cover")  # without the sensitive fields
    client.force_login(colleague)
    entries, pages = whole_timeline(client, case)
    old = old_timeline(case, sensitive=False)
    assert len(entries) == len(old) and pages == 2
    text = "".join(entries)
    hidden = [n.text for n in case.notes.filter(sensitive=True)]
    assert hidden and not any(escape(t).split("\n")[0] in text for t in hidden)
    assert "concern" not in text and "badge overdue" not in text
    # The worker who holds view_sensitive sees them, on the earlier pages too.
    client.force_login(worker)
    text = "".join(whole_timeline(client, case)[0])
    assert all(linebreaksbr(t) in text for t in hidden) and "concern 11" in text


def test_earlier_entries_are_refused_to_whoever_does_not_see_the_case(client, worker, analyst, case):
    client.force_login(worker)
    url = more_url(client.get(reverse("web:case", args=[case.pk])).content.decode())
    stranger = factories.UserFactory(role="social_worker", unit=worker.unit)
    client.force_login(stranger)
    assert client.get(url, headers=HTMX).status_code == 404
    assert client.get(url).status_code == 404
    client.force_login(analyst)
    assert client.get(url, headers=HTMX).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302  # to the sign-in page


@pytest.mark.parametrize("before", ["yesterday", "2026-01-01T10:00:00~gossip~3", "2026-01-01T10:00:00~note~x",
                                    "2026-01-01T10:00:00~note"])
def test_a_cursor_that_is_not_one_is_a_400_that_says_so(client, worker, case, before):
    """Not the 404 page, which would tell the reader the case is not theirs."""
    client.force_login(worker)
    response = client.get(reverse("web:case-timeline", args=[case.pk]), {"before": before}, headers=HTMX)
    assert response.status_code == 400
    text = response.content.decode()
    assert "link to earlier entries of the timeline is not valid" in text and "caseload" not in text


def first_page_entries(html: str) -> list[str]:
    return re.findall(r'<li class="tl-(?:stage|decision|visit|note)">.*?</li>', html, re.S)


@pytest.mark.parametrize("query", [{}, {"before": ""}])
@pytest.mark.parametrize("role", ["worker", "district_supervisor", "regional_supervisor", "shared_colleague"])
def test_the_timeline_without_a_cursor_is_its_first_page_for_whoever_sees_the_case(
        client, worker, supervisor, case, role, query):
    """/cases/<id>/timeline/ without ?before= (a link cut short, an address typed) is the newest
    entries, the case page's own, for every role that opens the case page; as a page and as htmx."""
    user = {
        "worker": worker,
        "district_supervisor": factories.UserFactory(role="supervisor", unit=worker.unit),
        "regional_supervisor": supervisor,
        "shared_colleague": factories.UserFactory(role="social_worker", unit=worker.unit),
    }[role]
    if role == "shared_colleague":
        share_case(case=case, user=user, actor=supervisor, reason="holiday cover")
    client.force_login(user)
    case_page = client.get(reverse("web:case", args=[case.pk]))
    assert case_page.status_code == 200
    newest = first_page_entries(case_page.content.decode().split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0])
    url = reverse("web:case-timeline", args=[case.pk])
    page = client.get(url, query)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<html" in html and "caseload" not in html
    assert first_page_entries(html) == newest and len(newest) == TIMELINE_PAGE
    # Its link goes on to the second page, as the case page's.
    assert more_url(html) == more_url(case_page.content.decode())
    fragment = client.get(url, query, headers=HTMX)
    assert fragment.status_code == 200 and first_page_entries(fragment.content.decode()) == newest


def test_the_timeline_without_a_cursor_is_still_refused_to_whoever_does_not_see_the_case(client, worker, analyst, case):
    url = reverse("web:case-timeline", args=[case.pk])
    client.force_login(factories.UserFactory(role="social_worker", unit=worker.unit))
    response = client.get(url)
    assert response.status_code == 404 and f"Case №\u00a0{case.pk} is not in your caseload" in response.content.decode()
    # A supervisor of another district of the same region supervises other cases.
    client.force_login(factories.UserFactory(role="supervisor", unit=factories.DistrictFactory(region=worker.unit.region)))
    assert client.get(url).status_code == 404
    client.force_login(analyst)
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


def test_earlier_entries_are_in_the_access_log(client, worker, case):
    from audit.models import AccessLog

    client.force_login(worker)
    url = more_url(client.get(reverse("web:case", args=[case.pk])).content.decode())
    before = AccessLog.objects.filter(user=worker, case_id=case.pk).count()
    client.get(url, headers=HTMX)
    assert AccessLog.objects.filter(user=worker, case_id=case.pk).count() == before + 1


def test_a_page_of_earlier_entries_runs_a_constant_number_of_queries(client, worker, case, django_assert_max_num_queries):
    client.force_login(worker)

    def counts() -> list[int]:
        url, found = more_url(client.get(reverse("web:case", args=[case.pk])).content.decode()), []
        while url:
            with django_assert_max_num_queries(20) as ctx:
                response = client.get(url, headers=HTMX)
            found.append(len(ctx))
            url = more_url(response.content.decode())
        return found

    few = counts()
    placement = case.placements.get(ended_on__isnull=True)
    today = timezone.localdate()
    for i in range(60):
        CaseNote.objects.create(case=case, kind="contact", written_on=today - dt.timedelta(days=i), text=f"more {i}",
                                sensitive=i % 2 == 0, author=worker)
        factories.VisitFactory(placement=placement, kind="unscheduled", planned_on=today - dt.timedelta(days=i),
                               done_on=today - dt.timedelta(days=i),
                               worker=factories.UserFactory(role="social_worker", unit=worker.unit))
    many = counts()
    assert len(many) > len(few) and set(many) == set(few) and len(set(few)) == 1


def test_the_earlier_entries_are_written_in_the_readers_language(client, worker, case):
    client.force_login(worker)
    client.cookies["django_language"] = "ru"
    entries, _pages = whole_timeline(client, case)
    assert any("Устроен в семью." in e for e in entries)
    assert "Показать более ранние записи" in client.get(reverse("web:case", args=[case.pk])).content.decode()


@pytest.mark.parametrize(("language", "timeline", "earlier"), [
    ("en", "Timeline", "Earlier entries of the timeline"),
    ("ru", "Хронология", "Более ранние записи хронологии"),
    ("kk", "Хронология", "Хронологияның бұрынғы жазбалары"),
])
def test_the_first_page_is_headed_as_the_timeline_and_a_later_one_as_earlier_entries(
        client, worker, case, language, timeline, earlier):
    """Without ?before= the page shows the newest entries: it was headed "Earlier entries of the timeline"."""
    client.force_login(worker)
    client.cookies["django_language"] = language
    first = client.get(reverse("web:case-timeline", args=[case.pk]), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f"<h1>{timeline}</h1>" in first and earlier not in first
    client.cookies["django_language"] = "en"  # MORE reads the English link
    url = more_url(client.get(reverse("web:case-timeline", args=[case.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert url
    client.cookies["django_language"] = language
    later = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f"<h1>{earlier}</h1>" in later and f"<h1>{timeline}</h1>" not in later
