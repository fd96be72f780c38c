from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "apps.people"
    verbose_name = _("People")

    def ready(self):
        # The tree below counts and scopes people through its hooks; it does not import this app.
        from apps.organisations import admin_scope, counters

        from .models import Person
        from .selectors import status_counts_by_node

        counters.register("people.political_status", status_counts_by_node)
        # the admin's list of people (its count and rows, cached): people and the organisations they belong to
        from apps.organisations.overview_cache import watch_tables

        watch_tables("person_list", ("people_", "organisations_"))
        admin_scope.scope_choices(Person, path_field="node__path", select_related=("node",))
