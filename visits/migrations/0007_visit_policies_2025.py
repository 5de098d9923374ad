"""Visit policies for the 2025 forms of care, each with its source.

Kinship is no longer a form of care (cases 0009 moved its placements to guardianship or
trusteeship), so its policy goes; the professional foster family gets the foster family's schedule. Visits still planned on or after
a child's 18th birthday are cancelled (no visit after coming of age).
Every default row says where it comes from; "local default" means practice chosen for this system,
not a rule of law (docs/visits-risk-reminders.md).
"""

from django.db import migrations, models

LOCAL_DEFAULT = "local default"
SOURCES = {
    "adoption": (
        "local default: visits at 1, 3, 6 and 12 months, then every 6 months until 3 years (practice; "
        "Kazakhstan's rule of a report every 6 months for 3 years, then yearly until 18, applies to children adopted abroad)"
    ),
    "guardianship": (
        "local default: a visit at 1 month, then every 3 months (practice); the carer's report every 12 months "
        "follows the Code on Marriage and Family (a guardian or trustee reports to the guardianship authority yearly)"
    ),
    "trusteeship": (
        "local default: a visit at 1 month, then every 3 months (practice); the carer's report every 12 months "
        "follows the Code on Marriage and Family (a guardian or trustee reports to the guardianship authority yearly)"
    ),
    "foster_family": (
        "local default: a visit at 1 month, then every 3 months, and the carer's report every 12 months "
        "(practice; the contract with the guardianship authority may set others)"
    ),
    "professional_foster": (
        "local default: as the foster family, a visit at 1 month, then every 3 months, and the carer's report every "
        "12 months (practice; the contract may set others)"
    ),
    "patronage": (
        "local default: a visit at 1 month, then every 3 months, and the carer's report every 12 months "
        "(practice; the patronage contract may set others)"
    ),
}


def forward(apps, schema_editor) -> None:
    policy = apps.get_model("visits", "VisitPolicy")
    kinship = policy.objects.filter(form_of_care="kinship").first()
    if not policy.objects.filter(form_of_care="professional_foster").exists():
        template = policy.objects.filter(form_of_care="foster_family").first() or kinship
        values = {
            "first_visits_months": [1], "repeat_every_months": 3, "repeat_until_months": None, "horizon_months": 36,
            "annual_report_every_months": 12,
        }
        if template is not None:
            values = {name: getattr(template, name) for name in values}
        policy.objects.create(form_of_care="professional_foster", **values)
    if kinship is not None:
        kinship.delete()
    for form, source in SOURCES.items():
        # A row an official already edited keeps its schedule; only the untouched default gets the text.
        policy.objects.filter(form_of_care=form, source=LOCAL_DEFAULT).update(source=source)


def cancel_visits_after_coming_of_age(apps, schema_editor) -> None:
    """No visit on or after the 18th birthday: the placement ends "came of age" then."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM visits_visit v USING cases_placement p, children_child c "
            "WHERE v.placement_id = p.id AND c.id = p.child_id AND p.ended_on IS NULL AND v.done_on IS NULL "
            "AND v.planned_on >= (c.birth_date + interval '18 years')::date"
        )


def backward(apps, schema_editor) -> None:
    apps.get_model("visits", "VisitPolicy").objects.filter(form_of_care="professional_foster").delete()


class Migration(migrations.Migration):

    dependencies = [
        ("visits", "0006_visit_policy_source_and_dates"),
        ("cases", "0009_forms_of_care_2025"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.RunPython(cancel_visits_after_coming_of_age, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='visitpolicy',
            constraint=models.CheckConstraint(condition=models.Q(('form_of_care__in', ['adoption', 'guardianship', 'trusteeship', 'foster_family', 'professional_foster', 'patronage', 'guest_family'])), name='visit_policy_form_of_care_valid'),
        ),
    ]
