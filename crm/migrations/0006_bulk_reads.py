import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0005_api_token"),
    ]

    operations = [
        migrations.CreateModel(
            name="BulkReadDay",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField(verbose_name="day")),
                ("record_count", models.PositiveIntegerField(default=0, verbose_name="records")),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
            options={
                "verbose_name": "records read in bulk per day",
                "verbose_name_plural": "records read in bulk per day",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("user", "day"), name="crm_bulkreadday_user_day"
                    )
                ],
            },
        ),
    ]
