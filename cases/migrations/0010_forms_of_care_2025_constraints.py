"""The check constraints of the 2025 forms of care, once 0006 has migrated the rows of the old shape."""

import datetime

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0009_forms_of_care_2025'),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='case',
            constraint=models.CheckConstraint(condition=models.Q(('opened_on__isnull', True), ('opened_on__range', (datetime.date(1900, 1, 1), datetime.date(2100, 12, 31))), _connector='OR'), name='case_opened_on_sane'),
        ),
        migrations.AddConstraint(
            model_name='case',
            constraint=models.CheckConstraint(condition=models.Q(('closed_on__isnull', True), ('closed_on__range', (datetime.date(1900, 1, 1), datetime.date(2100, 12, 31))), _connector='OR'), name='case_closed_on_sane'),
        ),
        migrations.AddConstraint(
            model_name='placement',
            constraint=models.CheckConstraint(condition=models.Q(('form_of_care__in', ['adoption', 'guardianship', 'trusteeship', 'foster_family', 'professional_foster', 'patronage', 'guest_family'])), name='placement_form_of_care_valid'),
        ),
        migrations.AddConstraint(
            model_name='placement',
            constraint=models.CheckConstraint(condition=models.Q(('carer_relationship__in', ['none', 'grandparent', 'aunt_uncle', 'sibling', 'other_relative'])), name='placement_carer_relationship_valid'),
        ),
        migrations.AddConstraint(
            model_name='placement',
            constraint=models.CheckConstraint(condition=models.Q(('converted_to_trusteeship_on__isnull', True), models.Q(('form_of_care', 'trusteeship'), ('converted_to_trusteeship_on__gte', models.F('started_on'))), _connector='OR'), name='placement_conversion_is_to_trusteeship'),
        ),
        migrations.AddConstraint(
            model_name='placement',
            constraint=models.CheckConstraint(condition=models.Q(('started_on__isnull', True), ('started_on__range', (datetime.date(1900, 1, 1), datetime.date(2100, 12, 31))), _connector='OR'), name='placement_started_on_sane'),
        ),
        migrations.AddConstraint(
            model_name='placement',
            constraint=models.CheckConstraint(condition=models.Q(('ended_on__isnull', True), ('ended_on__range', (datetime.date(1900, 1, 1), datetime.date(2100, 12, 31))), _connector='OR'), name='placement_ended_on_sane'),
        ),
        migrations.AddConstraint(
            model_name='placement',
            constraint=models.CheckConstraint(condition=models.Q(('decision_date__isnull', True), ('decision_date__range', (datetime.date(1900, 1, 1), datetime.date(2100, 12, 31))), _connector='OR'), name='placement_decision_date_sane'),
        ),
        migrations.AddConstraint(
            model_name='placement',
            constraint=models.CheckConstraint(condition=models.Q(('converted_to_trusteeship_on__isnull', True), ('converted_to_trusteeship_on__range', (datetime.date(1900, 1, 1), datetime.date(2100, 12, 31))), _connector='OR'), name='placement_converted_to_trusteeship_on_sane'),
        ),
        migrations.AddConstraint(
            model_name='formofcarerule',
            constraint=models.CheckConstraint(condition=models.Q(('form_of_care__in', ['adoption', 'guardianship', 'trusteeship', 'foster_family', 'professional_foster', 'patronage', 'guest_family'])), name='form_of_care_rule_form_valid'),
        ),
        migrations.AddConstraint(
            model_name='formofcarerule',
            constraint=models.CheckConstraint(condition=models.Q(('min_age__isnull', True), ('max_age__isnull', True), ('min_age__lt', models.F('max_age')), _connector='OR'), name='form_of_care_rule_ages_ordered'),
        ),
        migrations.AddConstraint(
            model_name='formofcarerule',
            constraint=models.CheckConstraint(condition=models.Q(('max_children__isnull', True), ('max_children__gte', 1), _connector='OR'), name='form_of_care_rule_capacity_positive'),
        ),
    ]
