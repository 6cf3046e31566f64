import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("org", "0002_shared_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="unit",
            name="lat",
            field=models.FloatField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(-90), django.core.validators.MaxValueValidator(90)], verbose_name="中心纬度"),
        ),
        migrations.AddField(
            model_name="unit",
            name="lng",
            field=models.FloatField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(-180), django.core.validators.MaxValueValidator(180)], verbose_name="中心经度"),
        ),
    ]
