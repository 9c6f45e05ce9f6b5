from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from claimdesk.feedback import rules

CSAT_CHOICES = [(n, str(n)) for n in range(rules.CSAT_RANGE[0], rules.CSAT_RANGE[1] + 1)]
NPS_CHOICES = [(n, str(n)) for n in range(rules.NPS_RANGE[0], rules.NPS_RANGE[1] + 1)]


class SurveyForm(forms.Form):
    csat = forms.TypedChoiceField(
        label=_(
            "How satisfied are you with how we handled your case? (1 = very dissatisfied, "
            "5 = very satisfied)"
        ),
        choices=CSAT_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    nps = forms.TypedChoiceField(
        label=_(
            "How likely are you to recommend us to a friend? (0 = not at all, "
            "10 = extremely likely)"
        ),
        choices=NPS_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything about timeliness or attitude you want to tell us?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False)
    end = forms.DateField(label=_("To"), required=False)
    team = forms.CharField(label=_("Team"), required=False, max_length=60)

    def period(self, today: date) -> tuple[date, date]:
        data = self.cleaned_data if self.is_valid() else {}
        end = data.get("end") or today
        start = data.get("start") or end - timedelta(days=29)
        if start > end:
            start, end = end, start
        return start, end


class CallbackForm(forms.Form):
    """The owner's record of a call-back to a dissatisfied customer."""

    reached = forms.TypedChoiceField(
        label=_("Did you reach the customer?"),
        choices=[("yes", _("Reached")), ("no", _("Not reached"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    agreed = forms.CharField(
        label=_("What was agreed"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the customer was reached."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the customer was not reached: when and how you tried."),
    )
