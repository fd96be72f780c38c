from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisclosureConfig(AppConfig):
    name = "apps.disclosure"
    verbose_name = _("Public disclosure")

    def ready(self):
        # Documents sit below disclosure: the readers of a board may open its notices' attachments, which the
        # documents app learns from this registration (it never imports disclosure).
        from apps.documents.readers import register

        from .selectors import notice_attachment_readable

        register("disclosure.notice_attachment", notice_attachment_readable)
        # the boards (and the home page's to-do) are cached under this version: any committed write to a notice, a
        # version, an objection or a category bumps it (docs/adr/0004)
        from apps.organisations.overview_cache import watch_tables

        watch_tables("disclosure", ("disclosure_",))
