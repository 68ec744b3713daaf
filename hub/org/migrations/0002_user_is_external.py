from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("org", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="is_external",
            field=models.BooleanField(default=False, verbose_name="外部人员（Matrix）"),
        ),
    ]
