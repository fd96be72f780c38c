"""The organisation select written in Python gives what Django's own select gives."""

from django import forms

from apps.organisations.forms import NodeChoiceField
from apps.organisations.models import OrgNode


class _Form(forms.Form):
    node = NodeChoiceField(queryset=OrgNode.objects.none(), required=False)
    plain = forms.ModelChoiceField(queryset=OrgNode.objects.none(), required=False)

    def __init__(self, *args, nodes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = self.fields["plain"].queryset = nodes


def _options(html: str) -> list[str]:
    return [part.split(">", 1)[0] for part in html.split("<option")[1:]]


def test_the_options_choice_and_escaping_are_djangos(world):
    world.branch_b.name = '<b>"支部"</b> & co'
    world.branch_b.save()
    nodes = OrgNode.objects.filter(pk__in=[world.branch_a.pk, world.branch_b.pk]).order_by("path")
    form = _Form({"node": world.branch_b.pk, "plain": world.branch_b.pk}, nodes=nodes)
    assert form.is_valid() and form.cleaned_data["node"] == world.branch_b
    ours, django = str(form["node"]), str(form["plain"])
    assert ours.startswith('<select name="node" id="id_node">') and ours.endswith("</select>")
    assert _options(ours) == [o.replace("plain", "node") for o in _options(django)]
    assert f'<option value="{world.branch_b.pk}" selected>&lt;b&gt;&quot;支部&quot;&lt;/b&gt; &amp; co</option>' in ours
    # refused outside the nodes given, as any choice field
    outside = _Form({"node": world.committee.pk}, nodes=nodes)
    assert not outside.is_valid() and "node" in outside.errors
