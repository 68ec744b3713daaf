"""The working-day calendar: weekends, public holidays and 调休 make-up working days.

Every deadline the bots count in working days (approval reminders, RSVP deadlines, and
document deadlines through `working_deadline`) asks `bots.calendar.workdays`. The holidays
come from a data file an administrator updates each year when the State Council publishes
the next year's arrangement (`data/cn_workdays.json`, or the file named by
`HUITONG_WORKDAY_CALENDAR`); the file is read again when it changes.
"""
