"""Staff sign-in: password, then TOTP (enrolment with a QR code the first time), recovery codes, password change,
the account page and logout. Every step is audited; failures count towards the django-axes lockout."""

from __future__ import annotations

import base64
import io
import time
from typing import Any

import qrcode
import qrcode.image.svg
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from reportal import access
from reportal.accounts import services
from reportal.accounts.forms import CodeForm, EnrolForm, LoginForm, NewPasswordForm, ViewingDefaultsForm
from reportal.audit.services import record

HOME_AFTER_LOGIN = "/workbench/"
PENDING_KEY = "reportal_pending_user"
PENDING_SECONDS = 10 * 60  # the second factor must follow the password within this time


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    # Partner viewers land on their portals' statistics, the hotline's own staff on the workbench.
    # (Read from the profile: right after the second factor this request's user is not marked verified yet.)
    profile = _profile(request.user)
    return "/stats/" if profile is not None and profile.role == access.Role.PARTNER else HOME_AFTER_LOGIN


def _with_next(request: HttpRequest, name: str) -> HttpResponse:
    target = reverse(name)
    nxt = _next_url(request)
    if nxt != HOME_AFTER_LOGIN:
        from urllib.parse import urlencode

        target = f"{target}?{urlencode({'next': nxt})}"
    return HttpResponseRedirect(target)


def _is_locked(request: HttpRequest, username: str) -> bool:
    return bool(username) and AxesProxyHandler.is_locked(request, {"username": username})


def _locked_page(request: HttpRequest) -> HttpResponse:
    hours = settings.AXES_COOLOFF_TIME
    if isinstance(hours, float) and hours.is_integer():
        hours = int(hours)  # "1 hour", not "1.0 hours"
    return render(request, "staff/locked.html", {"cooloff_hours": hours}, status=429)


def _profile(user: Any) -> Any | None:
    try:
        return user.staff_profile
    except Exception:
        return None


def _after_second_factor(request: HttpRequest) -> HttpResponse:
    """Where a verified user goes next: recovery codes once, then the forced password change, then their page."""
    user = request.user
    if not services.has_recovery_codes(user):
        return _with_next(request, "accounts:recovery_codes")
    profile = _profile(user)
    if profile is not None and profile.must_change_password:
        return _with_next(request, "accounts:password_change")
    return HttpResponseRedirect(_next_url(request))


@access.public_page
@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and access.second_factor_verified(request.user):
        return _after_second_factor(request)
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        if _is_locked(request, username):
            record(None, "staff.login_refused_locked", username=username[:150])
            return _locked_page(request)
        user = authenticate(request, username=username, password=form.cleaned_data["password"])
        if user is None:
            if _is_locked(request, username):
                return _locked_page(request)
            form.add_error(None, _("The username or password is wrong. Check both and try again."))
        else:
            profile = _profile(user)
            if profile is None or profile.disabled:
                record(user, "staff.login_refused", reason="not-staff" if profile is None else "disabled")
                form.add_error(None, _("This account may not sign in to the staff pages. Ask a hotline admin."))
            else:
                # Not signed in yet: the session only remembers who gave the right password, for a few minutes.
                if request.user.is_authenticated:
                    auth_logout(request)  # someone else's half-finished sign-in must not carry over
                request.session.cycle_key()
                request.session[PENDING_KEY] = {"id": user.pk, "backend": user.backend, "at": time.time()}
                record(user, "staff.password_accepted")
                if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
                    return _with_next(request, "accounts:enrol")
                return _with_next(request, "accounts:verify")
    return render(request, "staff/login.html", {"form": form, "next": _next_url(request)})


def _user_past_second_factor(request: HttpRequest) -> tuple[Any, HttpResponse | None]:
    """The user for the steps after the second factor, or the sign-in step they still have to take."""
    user = _pending_user(request)
    if user is None:
        return None, _with_next(request, "accounts:login")
    if not access.second_factor_verified(user):
        return None, _with_next(request, "accounts:verify")
    return user, None


def _pending_user(request: HttpRequest) -> Any | None:
    """The user between the password and the second factor (or a signed-in user still without one)."""
    user: Any
    if request.user.is_authenticated:
        user = request.user
    else:
        pending = request.session.get(PENDING_KEY)
        if not isinstance(pending, dict) or time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
            request.session.pop(PENDING_KEY, None)
            return None
        user = get_user_model()._default_manager.filter(pk=pending["id"]).first() if "id" in pending else None
        if user is None:
            return None
        user.backend = pending.get("backend")
    profile = _profile(user)
    if profile is None or profile.disabled or not user.is_active:
        return None
    return user


def _complete_sign_in(request: HttpRequest, user: Any, device: Any) -> None:
    """Password and second factor both given: now the session is signed in (and django-axes resets the failures)."""
    if not request.user.is_authenticated:
        auth_login(request, user)
    request.session.pop(PENDING_KEY, None)
    otp_login(request, device)
    access.mark_activity(request)


def _fail_second_factor(request: HttpRequest, user: Any, step: str) -> HttpResponse | None:
    """Count a wrong code towards the lockout (django-axes listens to this signal); end the attempt if locked."""
    username = user.get_username()
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request, step=step)
    if _is_locked(request, username):
        auth_logout(request)
        return _locked_page(request)
    return None


@access.sign_in_step
@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def verify_view(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        return _with_next(request, "accounts:login")
    if access.second_factor_verified(user):
        return _after_second_factor(request)
    if _is_locked(request, user.get_username()):
        auth_logout(request)
        return _locked_page(request)
    totp_device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if totp_device is None:
        return _with_next(request, "accounts:enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        device: Any = None
        if code.isdigit() and totp_device.verify_token(code):
            device = totp_device
        else:
            static = StaticDevice.objects.filter(user=user, confirmed=True).first()
            if static is not None and static.verify_token(code):
                device = static
        if device is not None:
            _complete_sign_in(request, user, device)
            method = "recovery-code" if isinstance(device, StaticDevice) else "totp"
            record(user, "staff.login", method=method)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.warning(
                    request,
                    _(
                        "You signed in with a recovery code; %(left)s are left. Make new ones "
                        "on your account page if you are running low."
                    )
                    % {"left": left},
                )
            return _after_second_factor(request)
        locked = _fail_second_factor(request, user, "totp")
        if locked is not None:
            return locked
        form.add_error(
            "code",
            _code_error(
                totp_device, _("That code is not valid. Type the code your app shows now, or a recovery code.")
            ),
        )
    return render(request, "staff/verify.html", {"form": form, "next": _next_url(request)})


def _code_error(device: Any, message: str) -> str:
    """django-otp slows down guessing after each wrong code; say so, or the next right code looks wrong too."""
    allowed, _info = device.verify_is_allowed()
    if not allowed and getattr(device, "throttling_failure_count", 0) > 1:
        return _("Several wrong codes in a row: wait a few seconds, then type the code your app shows now.")
    return message


def _qr_data_uri(uri: str) -> str:
    """The otpauth URI as an SVG QR code in a data: URI (made here; the page loads nothing from elsewhere)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@access.sign_in_step
@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def enrol_view(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        return _with_next(request, "accounts:login")
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return _with_next(request, "accounts:verify")
    if _is_locked(request, user.get_username()):
        auth_logout(request)
        return _locked_page(request)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = services.new_totp_device(user, confirmed=False)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            _complete_sign_in(request, user, device)
            record(user, "staff.totp_enrolled")
            record(user, "staff.login", method="totp-enrolment")
            return _after_second_factor(request)
        locked = _fail_second_factor(request, user, "enrolment")
        if locked is not None:
            return locked
        form.add_error(
            "code",
            _code_error(device, _("That code does not match. Check the time on your phone and type the current code.")),
        )
    uri = services.otpauth_uri(device)
    context = {
        "form": form,
        "otpauth_uri": uri,
        "qr_data_uri": _qr_data_uri(uri),
        "secret": services.totp_secret_base32(device),
        "next": _next_url(request),
    }
    return render(request, "staff/enrol.html", context)


@access.sign_in_step
@never_cache
@require_http_methods(["GET", "POST"])
def recovery_codes_view(request: HttpRequest) -> HttpResponse:
    """Recovery codes are made and shown once: on first sign-in, or when the user asks for new ones."""
    user, detour = _user_past_second_factor(request)
    if detour is not None:
        return detour
    profile = user.staff_profile
    codes: list[str] = []
    if request.method == "POST" or not services.has_recovery_codes(user):
        codes = services.new_recovery_codes(user)
        record(user, "staff.recovery_codes_created", count=len(codes))
    return render(
        request,
        "staff/recovery_codes.html",
        {"codes": codes, "must_change_password": profile.must_change_password, "next": _next_url(request)},
    )


@access.sign_in_step
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@never_cache
@require_http_methods(["GET", "POST"])
def password_change_view(request: HttpRequest) -> HttpResponse:
    user, detour = _user_past_second_factor(request)
    if detour is not None:
        return detour
    profile = user.staff_profile
    form = NewPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Other sessions and every API token end; this session goes on with the new password.
        services.change_password(user, form.cleaned_data["new_password1"], request=request)
        messages.success(request, _("Your password is changed. Your other sessions and API tokens have ended."))
        return HttpResponseRedirect(_next_url(request))
    return render(
        request,
        "staff/password_change.html",
        {"form": form, "forced": profile.must_change_password, "next": _next_url(request)},
    )


@access.public_page
@never_cache
@require_http_methods(["GET", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if request.user.is_authenticated:
            record(request.user, "staff.logout")
        auth_logout(request)
        return render(request, "staff/logged_out.html")
    return render(request, "staff/logout.html")


@access.require_staff()
@never_cache
@require_http_methods(["GET", "POST"])
def account_view(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:  # require_staff let only signed-in staff through
        raise PermissionDenied
    profile = request.user.staff_profile
    form = ViewingDefaultsForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        form.save()
        record(
            request.user,
            "staff.viewing_defaults_changed",
            blur=profile.blur_default,
            greyscale=profile.greyscale_default,
        )
        messages.success(request, _("Your viewing defaults are saved."))
        return redirect("accounts:account")
    context = {
        "profile": profile,
        "form": form,
        "portals": list(profile.portals.all()),
        "recovery_codes_left": sum(d.token_set.count() for d in StaticDevice.objects.filter(user=request.user)),
    }
    return render(request, "staff/account.html", context)


@access.require_staff(access.Role.ADMIN)
@never_cache
@require_http_methods(["GET"])
def staff_list_view(request: HttpRequest) -> HttpResponse:
    record(request.user, "staff.list_viewed")
    return render(request, "staff/staff_list.html", {"rows": services.list_staff()})


@access.require_staff(access.Role.ADMIN)
@never_cache
@require_http_methods(["GET"])
def member_list_view(request: HttpRequest) -> HttpResponse:
    record(request.user, "member.list_viewed")
    return render(request, "staff/member_list.html", {"rows": services.list_members()})


@access.require_staff(access.Role.SENIOR, access.Role.ADMIN)
@never_cache
@require_http_methods(["GET"])
def audit_log_view(request: HttpRequest) -> HttpResponse:
    from django.core.paginator import Paginator

    from reportal.audit import services as audit_log

    filters, errors = audit_log.parse_filters(request.GET)
    page = Paginator(audit_log.search(filters), 100).get_page(request.GET.get("page"))
    record(
        request.user, "audit.viewed", filters={k: str(v) for k, v in filters.__dict__.items() if v}, page=page.number
    )
    query = request.GET.copy()
    query.pop("page", None)
    rows = [
        (entry, audit_log.object_label(entry.object_type), audit_log.detail_fields(entry.details)) for entry in page
    ]
    context = {
        "page": page,
        "rows": rows,
        "filters": filters,
        "errors": errors,
        "object_choices": audit_log.object_choices(),
        "query": query.urlencode(),
    }
    return render(request, "staff/audit_log.html", context)
