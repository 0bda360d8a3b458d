from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0006_bulk_reads"),
    ]

    operations = [
        migrations.AddField(
            model_name="job",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="attempts"),
        ),
    ]
