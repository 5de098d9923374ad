"""A unit's parent is exactly one level up: a district authority under the regional department of
its own region, a regional department under the ministry. Rows that break the rule are repaired
first where the right parent is evident (the department of the unit's region, the ministry); a
row that cannot be repaired stops the migration with its code. Then a trigger makes the database
refuse any new break."""

from django.db import migrations

POSTGRES = """
CREATE FUNCTION accounts_unit_parent_one_level_up() RETURNS trigger AS $$
DECLARE
    parent_kind text;
    parent_region integer;
BEGIN
    IF NEW.kind = 'ministry' THEN
        IF NEW.parent_id IS NOT NULL THEN
            RAISE EXCEPTION 'the ministry has no parent unit' USING ERRCODE = 'check_violation';
        END IF;
    ELSE
        SELECT kind, region_id INTO parent_kind, parent_region FROM accounts_organisationalunit WHERE id = NEW.parent_id;
        IF NEW.kind = 'region' AND parent_kind IS DISTINCT FROM 'ministry' THEN
            RAISE EXCEPTION 'unit %: a regional department belongs directly under the ministry', NEW.code
                USING ERRCODE = 'check_violation';
        END IF;
        IF NEW.kind = 'district' AND (parent_kind IS DISTINCT FROM 'region' OR parent_region IS DISTINCT FROM NEW.region_id) THEN
            RAISE EXCEPTION 'unit %: a district authority belongs directly under the department of its own region', NEW.code
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    -- A unit that has children may not change level or region under them.
    IF TG_OP = 'UPDATE' AND (NEW.kind IS DISTINCT FROM OLD.kind OR NEW.region_id IS DISTINCT FROM OLD.region_id)
       AND EXISTS (SELECT 1 FROM accounts_organisationalunit c WHERE c.parent_id = NEW.id) THEN
        RAISE EXCEPTION 'unit %: it has units under it; move them first', NEW.code USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accounts_unit_parent_one_level_up
    BEFORE INSERT OR UPDATE OF parent_id, kind, region_id ON accounts_organisationalunit
    FOR EACH ROW EXECUTE FUNCTION accounts_unit_parent_one_level_up();
"""
POSTGRES_BACKWARD = """
DROP TRIGGER IF EXISTS accounts_unit_parent_one_level_up ON accounts_organisationalunit;
DROP FUNCTION IF EXISTS accounts_unit_parent_one_level_up();
"""

def repair(apps, schema_editor):
    """Re-parent units whose parent is not one level up, where the right parent is evident."""
    Unit = apps.get_model("accounts", "OrganisationalUnit")
    ministry = Unit.objects.filter(kind="ministry").first()
    departments = {u.region_id: u for u in Unit.objects.filter(kind="region")}
    unfixable = []
    for unit in Unit.objects.exclude(kind="ministry").select_related("parent").order_by("id"):
        if unit.kind == "region":
            right = ministry
        else:
            right = departments.get(unit.region_id)
        if right is None:
            unfixable.append(unit.code)
            continue
        if unit.parent_id != right.pk:
            unit.parent_id = right.pk
            unit.save(update_fields=["parent"])
    if unfixable:
        raise RuntimeError(
            "These units have no unit one level up to hang under (create the ministry or the regional department "
            f"of their region first): {', '.join(unfixable)}"
        )


def forward(apps, schema_editor):
    schema_editor.execute(POSTGRES, params=None)  # params=None: the '%' of RAISE are not placeholders


def backward(apps, schema_editor):
    schema_editor.execute(POSTGRES_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_ministry_and_regional_departments")]
    operations = [
        migrations.RunPython(repair, migrations.RunPython.noop),
        migrations.RunPython(forward, backward),
    ]
