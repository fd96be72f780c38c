from django.db import models
from django.utils.translation import gettext_lazy as _


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday (no work)")
    WORKDAY = "workday", _("Working day on a weekend (调休)")


class HolidayName(models.TextChoices):
    """The public holidays of the State Council's arrangements; the keys are those of the ``chinesecalendar``
    package's ``Holiday`` (its values are English names), so every language shows its own."""

    NEW_YEARS_DAY = "new_years_day", _("New Year's Day")
    SPRING_FESTIVAL = "spring_festival", _("Spring Festival")
    TOMB_SWEEPING_DAY = "tomb_sweeping_day", _("Tomb-sweeping Day")
    LABOUR_DAY = "labour_day", _("Labour Day")
    DRAGON_BOAT_FESTIVAL = "dragon_boat_festival", _("Dragon Boat Festival")
    NATIONAL_DAY = "national_day", _("National Day")
    MID_AUTUMN_FESTIVAL = "mid_autumn_festival", _("Mid-autumn Festival")
    ANTI_FASCIST_70TH_DAY = "anti_fascist_70th_day", _("70th anniversary of the victory in the War of Resistance")


class CalendarYear(models.Model):
    """A year whose official holiday arrangement has been entered; dates computed over other years are provisional."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    complete = models.BooleanField(_("arrangement complete"), default=True)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["-year"]

    def __str__(self):
        return str(self.year)


class CalendarDay(models.Model):
    """An exception to Monday-to-Friday: a weekday holiday, or a weekend day that is a working day."""

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=DayKind.choices)
    name = models.CharField(
        _("holiday"),
        max_length=60,
        choices=HolidayName.choices,
        blank=True,
        help_text=_("The holiday the day belongs to (a working weekend day: the holiday it makes up for)."),
    )

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()}"
