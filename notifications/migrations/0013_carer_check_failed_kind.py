"""A failed carer check's alert is of its own kind, ``carer_check_failed`` (it was ``family_suspended``,
listed as a change in the family): the alerts written before move to it (their subject is
``family:<id>:check:<failure>``, notifications.services.family_change_subject). The guardianship
conversion's reminder no longer says "14" in its kind's name, and its title takes the conversion age
(the trusteeship rule's) as an argument: the reminders written before get the age the child reached on
the day they were due. Both reversible."""

from django.db import migrations, models

# cases.reminders.GUARDIANSHIP_CONVERSION_TITLE and the title it replaces.
CONVERSION_TITLE = "Case %s: the child turned %s on %s; record the conversion of the guardianship to a trusteeship"
OLD_CONVERSION_TITLE = "Case %s: the child turned 14 on %s; record the conversion of the guardianship to a trusteeship"

FORWARD = [
    ("""UPDATE notifications_notification SET kind = 'carer_check_failed'
        WHERE kind = 'family_suspended' AND subject_key LIKE 'family:%:check:%'""", None),
    ("""UPDATE notifications_notification n
        SET title_key = %s,
            title_args = jsonb_build_array(n.title_args -> 0, date_part('year', age(n.due_on, c.birth_date))::int,
                                           n.title_args -> 1)
        FROM cases_placement p JOIN children_child c ON c.id = p.child_id
        WHERE n.kind = 'guardianship_conversion' AND n.title_key = %s AND jsonb_array_length(n.title_args) = 2
          AND n.due_on IS NOT NULL AND p.id = n.placement_id""", [CONVERSION_TITLE, OLD_CONVERSION_TITLE]),
]
BACKWARD = [
    ("""UPDATE notifications_notification SET kind = 'family_suspended' WHERE kind = 'carer_check_failed'""", None),
    ("""UPDATE notifications_notification
        SET title_key = %s, title_args = jsonb_build_array(title_args -> 0, title_args -> 2)
        WHERE kind = 'guardianship_conversion' AND title_key = %s AND jsonb_array_length(title_args) = 3""",
     [OLD_CONVERSION_TITLE, CONVERSION_TITLE]),
]


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0010_forms_of_care_2025_constraints'),
        ('children', '0003_search_text'),
        ('notifications', '0012_notification_family'),
    ]

    operations = [
        migrations.AlterField(
            model_name='notification',
            name='kind',
            field=models.CharField(choices=[('visit_due', 'visit due in 7 days'), ('visit_overdue', 'visit overdue'), ('certificate_expiring', 'home study or certificate expiring'), ('case_stuck', 'case stuck in a stage'), ('high_risk_no_visit', 'high-risk placement without a visit'), ('high_risk', 'placement moved into high risk'), ('escalation', 'overdue item escalated'), ('decision_waiting', 'decision waiting for approval'), ('emergency_access', 'emergency access opened to a case'), ('guardianship_conversion', 'guardianship due to become a trusteeship (child reached the trusteeship age)'), ('coming_of_age', 'placement due to end: the child comes of age'), ('carer_recheck', "carers' periodic check due"), ('family_suspended', "family's approval suspended by a change in the family"), ('family_chosen', 'family of your unit chosen for acquaintance'), ('visit_conflict', 'visit recorded offline kept as a conflict'), ('carer_check_failed', "carer check failed: the family's approval suspended")], max_length=30, verbose_name='kind'),
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
