from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0004_import_jobs_move_to_crm"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="contact",
            options={
                "ordering": ["last_name", "first_name", "id"],
                "permissions": [
                    ("export_contact", "Can export contacts"),
                    ("list_contact", "Can list and search the client base"),
                    ("merge_contact", "Can merge contacts"),
                    ("import_contact", "Can import contacts"),
                    (
                        "bulk_read_unlimited",
                        "Can read the client base in bulk without a daily cap",
                    ),
                ],
                "verbose_name": "contact",
                "verbose_name_plural": "contacts",
            },
        ),
    ]
