"""Holiday names become keys with translated labels (they were the package's English names)."""

from django.db import migrations, models

# chinesecalendar's Holiday: value (English name, stored until now) -> member name (the key from now on)
KEYS = {
    "New Year's Day": "new_years_day",
    "Spring Festival": "spring_festival",
    "Tomb-sweeping Day": "tomb_sweeping_day",
    "Labour Day": "labour_day",
    "Dragon Boat Festival": "dragon_boat_festival",
    "National Day": "national_day",
    "Mid-autumn Festival": "mid_autumn_festival",
    "Anti-Fascist 70th Day": "anti_fascist_70th_day",
}


def to_keys(apps, schema_editor):
    CalendarDay = apps.get_model("workdays", "CalendarDay")
    for english, key in KEYS.items():
        CalendarDay.objects.filter(name=english).update(name=key)


def to_english(apps, schema_editor):
    CalendarDay = apps.get_model("workdays", "CalendarDay")
    for english, key in KEYS.items():
        CalendarDay.objects.filter(name=key).update(name=english)


class Migration(migrations.Migration):

    dependencies = [
        ('workdays', '0002_load_packaged_years'),
    ]

    operations = [
        migrations.AlterField(
            model_name='calendarday',
            name='name',
            field=models.CharField(blank=True, choices=[('new_years_day', "New Year's Day"), ('spring_festival', 'Spring Festival'), ('tomb_sweeping_day', 'Tomb-sweeping Day'), ('labour_day', 'Labour Day'), ('dragon_boat_festival', 'Dragon Boat Festival'), ('national_day', 'National Day'), ('mid_autumn_festival', 'Mid-autumn Festival'), ('anti_fascist_70th_day', '70th anniversary of the victory in the War of Resistance')], help_text='The holiday the day belongs to (a working weekend day: the holiday it makes up for).', max_length=60, verbose_name='holiday'),
        ),
        migrations.RunPython(to_keys, to_english),
    ]
