"""Alerts number a case and a family with "№", as every page does ("Case № 12", "Family № 5"): the
titles written before keep their arguments and get the new text (``title_key``), so the inbox shows
them as it shows new ones. ``title`` (the sweep's language, for e-mails already sent) is left as it
was written. Reversible."""

from django.db import migrations

# (the text before, the text now): notifications.services, cases.reminders, families.reminders and
# emergency.services.
TITLES = [
    ("Visit due on %s (case %s)", "Visit due on %s (case № %s)"),
    ("Visit overdue since %s (case %s)", "Visit overdue since %s (case № %s)"),
    ("Escalated: case %s has a visit overdue since %s", "Escalated: case № %s has a visit overdue since %s"),
    ("Family %s: %s expires on %s", "Family № %s: %s expires on %s"),
    ("Case %s has been in stage %s too long (limit passed on %s)",
     "Case № %s has been in stage %s too long (limit passed on %s)"),
    ("Escalated: case %s stuck in stage %s since %s", "Escalated: case № %s stuck in stage %s since %s"),
    ("Case %s: high risk of return and no visit for %s days", "Case № %s: high risk of return and no visit for %s days"),
    ("Case %s: the placement moved into high risk of return", "Case № %s: the placement moved into high risk of return"),
    ("Case %s: a visit recorded offline could not be recorded and is kept as a conflict",
     "Case № %s: a visit recorded offline could not be recorded and is kept as a conflict"),
    ("Case %s: the child turned %s on %s; record the conversion of the guardianship to a trusteeship",
     "Case № %s: the child turned %s on %s; record the conversion of the guardianship to a trusteeship"),
    ("Case %s: the child comes of age on %s; end the placement (\"came of age\")",
     "Case № %s: the child comes of age on %s; end the placement (\"came of age\")"),
    ("Family %s: the carers' periodic check is due on %s", "Family № %s: the carers' periodic check is due on %s"),
    ("Emergency access to case %(case)s by %(user)s", "Emergency access to case № %(case)s by %(user)s"),
]
UPDATE = "UPDATE notifications_notification SET title_key = %s WHERE title_key = %s"


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0013_carer_check_failed_kind"),
    ]

    operations = [
        migrations.RunSQL([(UPDATE, [new, old]) for old, new in TITLES], [(UPDATE, [old, new]) for old, new in TITLES]),
    ]
