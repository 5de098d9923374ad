"""After cases 0006 moved "kinship" onto the placements: the family's kinship flag goes, and the form
of care check lists the 2025 forms."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('families', '0003_family_changes_and_dates'),
        ('cases', '0009_forms_of_care_2025'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='family',
            name='is_relative',
        ),
        migrations.AddConstraint(
            model_name='family',
            constraint=models.CheckConstraint(condition=models.Q(('form_of_care__in', ['adoption', 'guardianship', 'trusteeship', 'foster_family', 'professional_foster', 'patronage', 'guest_family'])), name='family_form_of_care_valid'),
        ),
    ]
