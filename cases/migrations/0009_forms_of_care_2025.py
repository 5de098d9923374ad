"""The forms of care as Kazakhstan's law has them since 2025 (issue 16).

"Kinship care" is not a legal form there: a relative becomes guardian, trustee, adoptive parent or
foster carer. This migration moves the fact onto the placement (``carer_relationship``) and maps the
rows of the old shape:

- a placement under "kinship", or with a family marked "relatives of a child", gets the carer's
  relationship "other relative" (which relative was never recorded); every other placement "none";
- a "kinship" placement becomes guardianship when the child was under 14 at its start, trusteeship
  otherwise (an open guardianship of a child now 14 or older is then due for conversion, and the
  reminder sweep says so);
- a case seeking "kinship" seeks the form of its latest placement, or, without one, guardianship
  or trusteeship by the child's age today; a family seeking "kinship" seeks guardianship;
- the rules of each form (ages, capacities, the professional foster family's training) are loaded
  into FormOfCareRule with their source.

Each changed placement, case and family gets one history row saying why.
"""

import core.dates
import datetime
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

RULES = [
    # form, min_age, max_age (exclusive), max_children, siblings_count_as_one, psychological training, source
    ("adoption", None, 18, None, False, False,
     "Code on Marriage and Family: adoption of a minor (under 18)."),
    ("guardianship", None, 14, None, False, False,
     "Code on Marriage and Family: guardianship is established over children under 14."),
    ("trusteeship", 14, 18, None, False, False,
     "Code on Marriage and Family: trusteeship is established over minors from 14 to 18."),
    ("foster_family", None, 18, 10, False, False,
     "Code on Marriage and Family: a foster family (by contract with the guardianship authority) takes up to 10 children."),
    ("professional_foster", None, 18, 4, True, True,
     "Code on Marriage and Family as amended in 2025, in force since 1 July 2025: a professional foster family takes "
     "at most 4 children, siblings excepted; the carer completes psychological training."),
    ("patronage", None, 18, None, False, False,
     "Code on Marriage and Family: patronage by contract, for a minor."),
    ("guest_family", None, 18, None, False, False,
     "Code on Marriage and Family, Article 137-1: a guest family is a step, not a placement."),
]
REASON = "2025 forms of care: kinship is now the carer's relationship on the placement (cases 0009)"


def _write_history(apps, cursor, app_label: str, model_name: str, ids: list[int]) -> None:
    """One history row per changed record, as simple-history would write it, with the reason."""
    if not ids:
        return
    model = apps.get_model(app_label, model_name)
    history = apps.get_model("audit", f"Historical{model_name}")
    history_columns = {f.column for f in history._meta.concrete_fields}
    columns = [f.column for f in model._meta.concrete_fields if f.column in history_columns]
    names = ", ".join(f'"{c}"' for c in columns)
    cursor.execute(
        f'INSERT INTO "{history._meta.db_table}" ({names}, history_date, history_change_reason, history_type, history_user_id) '
        f'SELECT {names}, now(), %s, \'~\', NULL FROM "{model._meta.db_table}" WHERE id = ANY(%s)',
        [REASON, ids],
    )


def forward(apps, schema_editor) -> None:
    rule = apps.get_model("cases", "FormOfCareRule")
    for form, min_age, max_age, max_children, siblings_as_one, training, source in RULES:
        rule.objects.update_or_create(form_of_care=form, defaults={
            "min_age": min_age, "max_age": max_age, "max_children": max_children,
            "siblings_count_as_one": siblings_as_one, "requires_psychological_training": training, "source": source,
        })
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_placement p SET carer_relationship = 'other_relative' FROM families_family f "
            "WHERE f.id = p.family_id AND (p.form_of_care = 'kinship' OR f.is_relative) RETURNING p.id"
        )
        placements = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "UPDATE cases_placement p SET form_of_care = CASE WHEN age(p.started_on, c.birth_date) < interval '14 years' "
            "THEN 'guardianship' ELSE 'trusteeship' END FROM children_child c "
            "WHERE c.id = p.child_id AND p.form_of_care = 'kinship' RETURNING p.id"
        )
        placements |= {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "UPDATE cases_case k SET form_of_care = coalesce("
            " (SELECT p.form_of_care FROM cases_placement p WHERE p.case_id = k.id ORDER BY p.started_on DESC, p.id DESC LIMIT 1),"
            " CASE WHEN age(current_date, c.birth_date) < interval '14 years' THEN 'guardianship' ELSE 'trusteeship' END) "
            "FROM children_child c WHERE c.id = k.child_id AND k.form_of_care = 'kinship' RETURNING k.id"
        )
        cases = [row[0] for row in cursor.fetchall()]
        cursor.execute("UPDATE families_family SET form_of_care = 'guardianship' WHERE form_of_care = 'kinship' RETURNING id")
        families = [row[0] for row in cursor.fetchall()]
        _write_history(apps, cursor, "cases", "Placement", sorted(placements))
        _write_history(apps, cursor, "cases", "Case", cases)
        _write_history(apps, cursor, "families", "Family", families)


def backward(apps, schema_editor) -> None:
    """The relationship cannot be turned back into a form of care; the rows stay as they are."""


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_ministry_and_regional_departments'),
        ('cases', '0008_decision_review'),
        ('children', '0001_initial'),
        ('families', '0003_family_changes_and_dates'),
        ('audit', '0007_forms_of_care_and_family_changes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='FormOfCareRule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('form_of_care', models.CharField(choices=[('adoption', 'adoption'), ('guardianship', 'guardianship (under 14)'), ('trusteeship', 'trusteeship (14–18)'), ('foster_family', 'foster family'), ('professional_foster', 'professional foster family'), ('patronage', 'patronage'), ('guest_family', 'guest family')], max_length=20, unique=True, verbose_name='form of care')),
                ('min_age', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='from age (years, inclusive)')),
                ('max_age', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='under age (years, exclusive)')),
                ('max_children', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='children at most in one family')),
                ('siblings_count_as_one', models.BooleanField(default=False, verbose_name='a sibling group counts as one child')),
                ('requires_psychological_training', models.BooleanField(default=False, verbose_name='the carer needs psychological training')),
                ('source', models.TextField(blank=True, verbose_name='source of the rule')),
            ],
            options={
                'verbose_name': 'form of care rule',
                'verbose_name_plural': 'form of care rules',
                'ordering': ['form_of_care'],
            },
        ),
        migrations.RemoveConstraint(
            model_name='placement',
            name='placement_form_of_care_valid',
        ),
        migrations.AddField(
            model_name='placement',
            name='carer_relationship',
            field=models.CharField(choices=[('none', 'not a relative'), ('grandparent', 'grandparent'), ('aunt_uncle', 'aunt or uncle'), ('sibling', 'adult brother or sister'), ('other_relative', 'other relative')], db_default='none', default='none', max_length=20, verbose_name="carer's relationship to the child"),
        ),
        migrations.AddField(
            model_name='placement',
            name='converted_to_trusteeship_on',
            field=models.DateField(blank=True, null=True, validators=[core.dates.validate_sane_date], verbose_name='converted to trusteeship on'),
        ),
        migrations.AlterField(
            model_name='case',
            name='closed_on',
            field=models.DateField(blank=True, null=True, validators=[core.dates.validate_sane_date], verbose_name='closed on'),
        ),
        migrations.AlterField(
            model_name='case',
            name='form_of_care',
            field=models.CharField(blank=True, choices=[('adoption', 'adoption'), ('guardianship', 'guardianship (under 14)'), ('trusteeship', 'trusteeship (14–18)'), ('foster_family', 'foster family'), ('professional_foster', 'professional foster family'), ('patronage', 'patronage'), ('guest_family', 'guest family')], max_length=20, verbose_name='form of care sought'),
        ),
        migrations.AlterField(
            model_name='case',
            name='opened_on',
            field=models.DateField(default=django.utils.timezone.localdate, validators=[core.dates.validate_sane_date], verbose_name='opened on'),
        ),
        migrations.AlterField(
            model_name='placement',
            name='decision_date',
            field=models.DateField(blank=True, null=True, validators=[core.dates.validate_sane_date], verbose_name='date of the decision'),
        ),
        migrations.AlterField(
            model_name='placement',
            name='ended_on',
            field=models.DateField(blank=True, null=True, validators=[core.dates.validate_sane_date], verbose_name='ended on'),
        ),
        migrations.AlterField(
            model_name='placement',
            name='form_of_care',
            field=models.CharField(choices=[('adoption', 'adoption'), ('guardianship', 'guardianship (under 14)'), ('trusteeship', 'trusteeship (14–18)'), ('foster_family', 'foster family'), ('professional_foster', 'professional foster family'), ('patronage', 'patronage'), ('guest_family', 'guest family')], max_length=20, verbose_name='form of care'),
        ),
        migrations.AlterField(
            model_name='placement',
            name='started_on',
            field=models.DateField(validators=[core.dates.validate_sane_date], verbose_name='started on'),
        ),
        migrations.RunPython(forward, backward),
    ]
