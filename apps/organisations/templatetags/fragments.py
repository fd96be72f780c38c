"""``{% fragment key %}…{% endfragment %}``: the enclosed template cached under ``key`` (a ``fragment_key``, docs/adr/
0004), read through ``overview_cache.cached`` so that a view can read it ahead with the rest of the page's entries.
An empty key renders the content uncached. Never around a form's CSRF token."""

from django import template

from apps.organisations.overview_cache import cached_fragment

register = template.Library()


class FragmentNode(template.Node):
    def __init__(self, nodelist, key):
        self.nodelist, self.key = nodelist, key

    def render(self, context):
        key = self.key.resolve(context)
        if not key:
            return self.nodelist.render(context)
        return cached_fragment(key, lambda: self.nodelist.render(context))


@register.tag("fragment")
def fragment(parser, token):
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("{% fragment key %} takes one argument: the cache key.")
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(nodelist, parser.compile_filter(bits[1]))
