import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("org", "0002_user_is_external"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="must_change_password",
            field=models.BooleanField(default=False, verbose_name="须修改密码"),
        ),
        migrations.AddField(
            model_name="user",
            name="credentials_epoch",
            field=models.PositiveIntegerField(default=0, verbose_name="凭据版本"),
        ),
        migrations.AddField(
            model_name="user",
            name="auth_source",
            field=models.CharField(blank=True, default="", max_length=16, verbose_name="认证来源"),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="unit",
            name="merged_into",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="merged_units", to="org.unit", verbose_name="并入"),
        ),
        migrations.CreateModel(
            name="LoginThrottle",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.CharField(max_length=200, unique=True)),
                ("failures", models.PositiveIntegerField(default=0)),
                ("window_start", models.DateTimeField()),
                ("locked_until", models.DateTimeField(blank=True, null=True)),
            ],
            options={"verbose_name": "登录失败计数", "verbose_name_plural": "登录失败计数"},
        ),
    ]
