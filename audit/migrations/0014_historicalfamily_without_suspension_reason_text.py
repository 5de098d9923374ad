"""The history's text column of the suspension's reason goes, once families 0010 has read it into the data columns."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0013_historicalfamily_suspension_reason_as_data'),
        ('families', '0011_suspension_reason_text_dropped'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='historicalfamily',
            name='suspension_reason',
        ),
    ]
