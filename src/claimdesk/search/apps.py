from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    """Staff search across claims, tickets, policies and the other cases: the edge that
    knows every kind, calling each app's own selectors."""

    name = "claimdesk.search"
    verbose_name = _("Search")
