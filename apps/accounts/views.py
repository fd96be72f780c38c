import base64
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required, login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from .forms import TokenForm
from .services import otp_verify as otp_verify_service
from .services import totp_confirm, totp_device_pending, user_has_device, user_password_change, user_set_language


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


@login_not_required
def admin_login(request):
    """The admin's sign-in page is the portal's (with its second factor). The admin sends here whoever it does not
    let in: someone signed in who may not use the admin is told so (403) rather than sent back and forth between
    the two sign-in pages."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?{request.GET.urlencode()}")
    if request.user.is_active and request.user.is_staff:
        target = request.GET.get("next", "")
        safe = target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
        return redirect(target if safe else "admin:index")
    raise PermissionDenied


class PasswordChangeView(auth_views.PasswordChangeView):
    """Everyone's password change, in the portal's pages (staff also have the admin's)."""

    template_name = "registration/portal_password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form):
        user_password_change(request=self.request, user=form.user, new_password=form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, form.user)
        return redirect(self.get_success_url())


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/portal_password_change_done.html"


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or settings.LOGIN_REDIRECT_URL
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "portal:home"


def _with_next(name: str, request) -> str:
    target = _next_url(request)
    target = reverse(target) if not target.startswith("/") else target
    return f"{reverse(name)}?{urlencode({'next': target})}"


@login_required
def otp_verify(request):
    if request.user.is_verified():
        return redirect(_next_url(request))
    if not user_has_device(request.user):
        return redirect(_with_next("accounts:otp_setup", request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if otp_verify_service(request=request, user=request.user, token=form.cleaned_data["token"]):
            return redirect(_next_url(request))
        form.add_error("token", _("The code is wrong or has expired. Try the next code."))
    return render(request, "registration/otp_verify.html", {"form": form, "next": _next_url(request)})


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@login_required
def otp_setup(request):
    if user_has_device(request.user) and request.user.is_verified():
        return redirect(_next_url(request))
    if user_has_device(request.user):
        return redirect(_with_next("accounts:otp_verify", request))
    device = totp_device_pending(user=request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = totp_confirm(request=request, user=request.user, device=device, token=form.cleaned_data["token"])
        if codes is not None:
            return render(request, "registration/otp_backup_codes.html", {"codes": codes, "next": _next_url(request)})
        form.add_error("token", _("The code is wrong or has expired. Try the next code."))
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "registration/otp_setup.html",
        {"form": form, "qr": _qr_svg(device.config_url), "secret": secret, "next": _next_url(request)},
    )


@login_not_required
@require_POST
def set_language(request):
    """Django's language switch, which also saves the choice on the signed-in user's account."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        user_set_language(user=request.user, language=language)
        messages.success(request, _("Language changed."))
    return django_set_language(request)
