"""The access log and the change history are partitioned by month (audit/partitions.py): rows land
in their month's partition, the append-only rule holds on every partition, partitions are kept
ahead by the nightly task, and months past retention are exported and detached by the command."""

import csv
import datetime as dt
import gzip

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit.models import AccessLog
from audit.partitions import PARTITIONED_TABLES, detach_older_than, ensure_partitions, partitions_of, utc_today
from audit.services import log_access
from audit.tasks import ensure_audit_partitions
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def relkind(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE relname = %s", [table])
        return cursor.fetchone()[0]


def partition_holding(table: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {table} WHERE {'history_id' if 'historical' in table else 'id'} = %s",
                       [pk])
        return cursor.fetchone()[0]


def test_every_audit_table_is_partitioned_by_month_with_a_default_partition():
    for table in PARTITIONED_TABLES:
        assert relkind(table) == "p", table
        assert relkind(f"{table}_default") == "r"
        assert partitions_of(table), f"{table} has monthly partitions"


def test_rows_land_in_their_months_partition_and_history_too():
    case = CaseFactory()
    entry = log_access(user=case.assigned_worker, case_id=case.pk, child_id=case.child_id)
    month = entry.viewed_at.astimezone(dt.UTC)
    assert partition_holding("audit_accesslog", entry.pk) == f"audit_accesslog_p{month:%Y_%m}"
    history = case.history.latest()
    assert partition_holding("audit_historicalcase", history.history_id) == \
        f"audit_historicalcase_p{history.history_date.astimezone(dt.UTC):%Y_%m}"
    assert AccessLog.objects.filter(case=case).count() == 1


def test_the_access_log_stays_append_only_on_the_parent_and_on_each_partition():
    case = CaseFactory()
    entry = log_access(user=case.assigned_worker, case_id=case.pk, child_id=case.child_id)
    partition = partition_holding("audit_accesslog", entry.pk)
    for table in ("audit_accesslog", partition):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET path = 'x' WHERE id = %s", [entry.pk])
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE id = %s", [entry.pk])
    assert AccessLog.objects.get(pk=entry.pk).path == entry.path


def test_the_nightly_task_creates_partitions_ahead_once():
    far = dt.date(2031, 1, 15)
    created = ensure_partitions(today=far)
    assert "audit_accesslog_p2031_04" in created and "audit_historicalvisit_p2031_01" in created
    assert ensure_partitions(today=far) == []
    assert ensure_audit_partitions.run() == 0  # today's months exist since the migration


def test_the_month_a_row_belongs_to_is_the_utc_month_whatever_the_local_date():
    """At 20:00 UTC on 30 November it is already 1 December in Almaty (the process's zone): a row
    written then belongs in November's partition (the bounds are UTC), so that month is the one the
    nightly task and the migration start from."""
    with time_machine.travel(dt.datetime(2026, 11, 30, 20, tzinfo=dt.UTC), tick=False):
        assert timezone.localdate() == dt.date(2026, 12, 1)  # the local date (TIME_ZONE)
        assert utc_today() == dt.date(2026, 11, 30)
        ensure_audit_partitions()
        case = CaseFactory()
        entry = log_access(user=case.assigned_worker, case_id=case.pk, child_id=case.child_id)
    assert partition_holding("audit_accesslog", entry.pk) == "audit_accesslog_p2026_11"
    assert "audit_accesslog_p2027_02" in partitions_of("audit_accesslog")  # three months ahead of November


def test_a_month_past_retention_is_exported_then_detached(tmp_path):
    ensure_partitions(today=dt.date(2020, 3, 1))  # the months of March to June 2020
    case = CaseFactory()
    with time_machine.travel(dt.datetime(2020, 3, 10, 12, tzinfo=dt.UTC), tick=False):
        old = log_access(user=case.assigned_worker, case_id=case.pk, child_id=case.child_id)
    recent = log_access(user=case.assigned_worker, case_id=case.pk, child_id=case.child_id)
    assert partition_holding("audit_accesslog", old.pk) == "audit_accesslog_p2020_03"

    done = detach_older_than(cutoff=dt.date(2020, 4, 1), export_dir=tmp_path)

    assert {d.partition for d in done} >= {"audit_accesslog_p2020_03", "audit_historicalcase_p2020_03"}
    export = next(d for d in done if d.partition == "audit_accesslog_p2020_03")
    assert export.rows == 1
    with gzip.open(export.exported_to, "rt") as file:
        rows = list(csv.DictReader(file))
    assert [int(r["id"]) for r in rows] == [old.pk]
    assert "audit_accesslog_p2020_03" not in partitions_of("audit_accesslog")
    assert "audit_accesslog_p2020_04" in partitions_of("audit_accesslog")
    assert list(AccessLog.objects.filter(case=case).values_list("pk", flat=True)) == [recent.pk]


def test_the_command_keeps_the_retention_period_and_says_what_it_did(tmp_path, capsys):
    ensure_partitions(today=dt.date(2019, 1, 1))
    call_command("audit_partitions", "--detach", "--retention-months", "12", "--export-dir", str(tmp_path))
    out = capsys.readouterr().out
    assert "Detached audit_accesslog_p2019_01: 0 rows" in out
    assert (tmp_path / "audit_accesslog_p2019_01.csv.gz").exists()
    assert not any(name.endswith("2019_01") for name in partitions_of("audit_accesslog"))


def test_the_command_refuses_a_retention_under_one_month(tmp_path):
    with pytest.raises(CommandError, match="at least 1"):
        call_command("audit_partitions", "--detach", "--retention-months", "0", "--export-dir", str(tmp_path))
