"""The access log and the change history become tables partitioned by month (audit/partitions.py):
every row, index, foreign key, check constraint and the append-only trigger kept; partitions from the
oldest row's month to three months ahead, and a DEFAULT partition."""

from django.db import migrations


def forward(apps, schema_editor):
    from audit import partitions

    today = partitions.utc_today()  # the bounds are UTC months (not the process's local date)
    last = partitions.month_start(today)
    for _ in range(partitions.MONTHS_AHEAD):
        last = partitions.next_month(last)
    with schema_editor.connection.cursor() as cursor:
        for table, column in partitions.PARTITIONED_TABLES.items():
            cursor.execute(f"SELECT min({column})::date FROM {table}")
            oldest = cursor.fetchone()[0]
            first = partitions.month_start(min(oldest, today) if oldest else today)
            for statement in partitions.partition_table_sql(table, column, first_month=first, last_month=last):
                cursor.execute(statement)


class Migration(migrations.Migration):
    atomic = True
    dependencies = [("audit", "0003_emergency_flag_and_kind")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop, elidable=False)]
