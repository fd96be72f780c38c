import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.organisations.selectors import node_list_for
from apps.people.choices import PoliticalStatus
from apps.people.models import Person


def _nodes_in_scope(request):
    if request is None:
        return node_list_for(user=None)
    return node_list_for(user=request.user)


class PersonFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name or phone"), method="search")
    node = django_filters.ModelChoiceFilter(
        label=_("Organisation"), queryset=_nodes_in_scope, method="in_subtree", empty_label=_("All")
    )
    political_status = django_filters.ChoiceFilter(
        label=_("Political status"), choices=PoliticalStatus.choices, empty_label=_("All")
    )

    class Meta:
        model = Person
        fields = ["q", "node", "political_status"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__contains=value) | Q(phone__contains=value)) if value else queryset

    def in_subtree(self, queryset, name, value):
        return queryset.filter(node__path__startswith=value.path)
