"""The access log is append-only: the database itself refuses to change or delete an entry."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION audit_access_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the access log is append-only: entries are never changed or deleted';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_access_log_append_only
    BEFORE UPDATE OR DELETE ON audit_accesslog
    FOR EACH ROW EXECUTE FUNCTION audit_access_log_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS audit_access_log_append_only ON audit_accesslog;
DROP FUNCTION IF EXISTS audit_access_log_append_only();
"""


def forward(apps, schema_editor):
    schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
