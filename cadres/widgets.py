"""Form widgets every app's forms share."""

from django import forms

# A browser's date and time inputs take and give ISO values only. Left to itself, Django
# renders a value in the active locale's first input format (2026/11/28 under zh-hans),
# which the browser drops: the field shows empty and an edit would clear it.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
