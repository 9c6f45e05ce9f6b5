from django import forms
from django.utils.translation import gettext_lazy as _

MAX_SCHEDULE_BYTES = 256 * 1024


class ScheduleUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file (date,type,name)"),
        help_text=_("type: holiday/休 or workday/班, e.g. 2027-02-07,workday,春节调休"),
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=200,
        required=False,
        help_text=_("e.g. 国务院办公厅关于2027年部分节假日安排的通知"),
    )
    complete = forms.BooleanField(
        label=_("This is the year's complete official schedule"), required=False, initial=True
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_SCHEDULE_BYTES:
            raise forms.ValidationError(_("The file is too large for a holiday schedule."))
        raw = upload.read()
        try:
            self._text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                self._text = raw.decode("gb18030")
            except UnicodeDecodeError as exc:
                raise forms.ValidationError(
                    _("The file is neither UTF-8 nor GB18030 text.")
                ) from exc
        return upload

    def cleaned_text(self) -> str:
        return self._text
