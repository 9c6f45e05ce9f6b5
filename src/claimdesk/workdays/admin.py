from django.contrib import admin, messages
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from claimdesk.workdays.forms import ScheduleUploadForm
from claimdesk.workdays.models import HolidayOverride, OfficialScheduleYear
from claimdesk.workdays.services import ScheduleImportError, official_schedule_import


@admin.register(HolidayOverride)
class HolidayOverrideAdmin(admin.ModelAdmin):
    list_display = ("day", "working", "name", "note", "updated_at")
    list_filter = ("working",)
    date_hierarchy = "day"
    search_fields = ("name", "note")
    # The provisional-calendar warning is shown on every admin page by the project's
    # admin/base_site.html ({% provisional_calendar_warnings %}); adding it here as a message
    # as well showed it twice on this changelist.
    change_list_template = "admin/workdays/holidayoverride/change_list.html"

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="workdays_holidayoverride_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest):
        if not self.has_add_permission(request):
            return redirect("admin:workdays_holidayoverride_changelist")
        form = ScheduleUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                result = official_schedule_import(
                    text=form.cleaned_text(),
                    source=form.cleaned_data["source"],
                    complete=form.cleaned_data["complete"],
                )
            except ScheduleImportError as exc:
                for error in exc.errors:
                    form.add_error("file", error)
            else:
                messages.success(
                    request,
                    _("Loaded %(c)d new and %(u)d changed days for %(y)s.")
                    % {
                        "c": result.created,
                        "u": result.updated,
                        "y": ", ".join(map(str, result.years)),
                    },
                )
                return redirect("admin:workdays_holidayoverride_changelist")
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "opts": self.model._meta,
            "title": _("Load an official holiday schedule"),
        }
        return render(request, "admin/workdays/holidayoverride/import.html", context)


@admin.register(OfficialScheduleYear)
class OfficialScheduleYearAdmin(admin.ModelAdmin):
    list_display = ("year", "loaded_at", "source")
