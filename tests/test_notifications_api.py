"""The inbox: each user sees only their own notifications, newest first, and marks them read."""

import datetime as dt

import pytest

from notifications.models import Notification

pytestmark = pytest.mark.django_db


def notify(user, n: int = 0, **fields) -> Notification:
    return Notification.objects.create(recipient=user, kind="visit_due", subject_key=f"visit:{n}",
                                       due_on=dt.date(2026, 3, 1), title=f"Visit due {n}", **fields)


def test_the_inbox_lists_only_my_notifications_newest_first(api_client, worker, supervisor):
    first, second = notify(worker, 1), notify(worker, 2)
    notify(supervisor, 3)
    api_client.force_authenticate(worker)
    response = api_client.get("/api/v1/notifications/")
    assert response.status_code == 200
    assert [n["id"] for n in response.data["results"]] == [second.pk, first.pk]
    assert response.data["results"][0]["read"] is False


def test_marking_as_read_and_filtering_unread(api_client, worker):
    read, unread = notify(worker, 1), notify(worker, 2)
    api_client.force_authenticate(worker)
    response = api_client.post(f"/api/v1/notifications/{read.pk}/read/")
    assert response.status_code == 200 and response.data["read"] is True
    assert [n["id"] for n in api_client.get("/api/v1/notifications/?unread=true").data["results"]] == [unread.pk]


def test_someone_elses_notification_cannot_be_read_or_marked(api_client, worker, supervisor):
    theirs = notify(supervisor, 1)
    api_client.force_authenticate(worker)
    assert api_client.get(f"/api/v1/notifications/{theirs.pk}/").status_code == 404
    assert api_client.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_the_inbox_runs_a_constant_number_of_queries(api_client, worker, django_assert_max_num_queries):
    for n in range(40):
        notify(worker, n)
    api_client.force_authenticate(worker)
    with django_assert_max_num_queries(4):
        assert api_client.get("/api/v1/notifications/").data["count"] == 40


def test_analysts_are_refused(api_client, analyst):
    api_client.force_authenticate(analyst)
    assert api_client.get("/api/v1/notifications/").status_code == 403
