"""A notification about a family keeps the family (the inbox links it to the family's page). The rows
written before get it from what they are about: a family's suspension, papers or carers' check
(``family:<id>...``), a family chosen for acquaintance (the acquaintance's family), a family's document
expiring (the document's family). The suspension alerts written before said "its placed children need a
visit" whether or not a child was placed: they now say only what the row knows (the family, the day)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

OLD_SUSPENDED_TITLE = "Family %s: approval suspended by a change in the family; its placed children need a visit"
# notifications.services.FAMILY_SUSPENDED_TITLE
SUSPENDED_TITLE = "Family № %(family)s: approval suspended by a change in the family on %(on)s"

BACKFILL = [
    ("""UPDATE notifications_notification n SET family_id = f.id FROM families_family f
        WHERE n.kind IN ('family_suspended', 'certificate_expiring', 'carer_recheck') AND n.subject_key LIKE 'family:%'
          AND split_part(n.subject_key, ':', 2) ~ '^[0-9]+$' AND f.id = split_part(n.subject_key, ':', 2)::bigint""", None),
    ("""UPDATE notifications_notification n SET family_id = a.family_id FROM matching_acquaintance a
        WHERE n.kind = 'family_chosen' AND n.subject_key LIKE 'acquaintance:%'
          AND split_part(n.subject_key, ':', 2) ~ '^[0-9]+$' AND a.id = split_part(n.subject_key, ':', 2)::bigint""", None),
    ("""UPDATE notifications_notification n SET family_id = d.family_id FROM documents_document d
        WHERE n.kind = 'certificate_expiring' AND n.subject_key LIKE 'document:%' AND d.family_id IS NOT NULL
          AND split_part(n.subject_key, ':', 2) ~ '^[0-9]+$' AND d.id = split_part(n.subject_key, ':', 2)::bigint""", None),
    ("""UPDATE notifications_notification SET title_key = %s,
               title_args = jsonb_build_object('family', family_id, 'on', to_char(due_on, 'YYYY-MM-DD'))
        WHERE kind = 'family_suspended' AND title_key = %s AND family_id IS NOT NULL AND due_on IS NOT NULL""",
     [SUSPENDED_TITLE, OLD_SUSPENDED_TITLE]),
]


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0010_forms_of_care_2025_constraints'),
        ('families', '0011_suspension_reason_text_dropped'),
        ('notifications', '0011_notification_body_text'),
        ('documents', '0003_date_bounds'),
        ('matching', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='notification',
            name='family',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='families.family'),
        ),
        migrations.AddIndex(
            model_name='notification',
            index=models.Index(condition=models.Q(('family__isnull', False)), fields=['family'], name='notification_family_idx'),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
    ]
