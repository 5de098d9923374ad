"""Russian: Django's formats, except the time, written with two-digit hours (07:37) as in the
date-times, in every language."""

TIME_FORMAT = "H:i"
