"""What other apps and commands call: create, reset and disable staff; TOTP helpers; members and their API keys."""

from __future__ import annotations

import secrets
import string
from base64 import b32decode, b32encode
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from reportal.access import HOTLINE_ROLES, MEMBER_KEY_PREFIX, STAFF_TOKEN_PREFIX, Role, Scope, new_secret
from reportal.accounts.models import ApiKey, Member, StaffProfile, StaffToken
from reportal.audit.services import record

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery codes"


class AccountError(ValueError):
    """A request the operator can fix: the message says how."""


# --- Passwords and TOTP -----------------------------------------------------------------------------


def generate_password() -> str:
    """A one-time password: 20 characters from an alphabet without look-alikes (about 115 bits)."""
    alphabet = "".join(c for c in string.ascii_letters + string.digits if c not in "Il1O0o")
    return "".join(secrets.choice(alphabet) for _ in range(20))


def totp_secret_base32(device: TOTPDevice) -> str:
    return b32encode(device.bin_key).decode()


def current_totp(secret_base32: str, *, at: datetime | None = None, step_offset: int = 0) -> str:
    """The TOTP code an authenticator app would show for this secret (scripts and tests log in with it)."""
    when = (at or timezone.now()).timestamp() + step_offset * 30
    generator = TOTP(b32decode(secret_base32.upper()), step=30, t0=0, digits=6)
    generator.time = when
    return f"{generator.token():06d}"


def new_totp_device(user: Any, *, confirmed: bool) -> TOTPDevice:
    """Replace the user's authenticator with a new secret. Unconfirmed until a first code proves enrolment."""
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=confirmed)


def otpauth_uri(device: TOTPDevice) -> str:
    return str(device.config_url)


def new_recovery_codes(user: Any) -> list[str]:
    """Replace the user's recovery codes with ten new single-use ones; returned once, stored by django-otp."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = []
    for _i in range(RECOVERY_CODE_COUNT):
        code = "-".join(secrets.token_hex(2) for _ in range(3))  # 48 bits, easy to type
        StaticToken.objects.create(device=device, token=code)
        codes.append(code)
    return codes


def has_recovery_codes(user: Any) -> bool:
    return StaticDevice.objects.filter(user=user, confirmed=True).exists()


# --- Staff ------------------------------------------------------------------------------------------


def _portals_for(slugs: Iterable[str]) -> list[Any]:
    from reportal.portals.services import portals_by_slug

    wanted = [s for s in slugs if s]
    found = portals_by_slug(wanted)
    missing = sorted(set(wanted) - {p.slug for p in found})
    if missing:
        raise AccountError(
            _("No portal with the slug %(slugs)s. List portals in the admin or create them first.")
            % {"slugs": ", ".join(missing)}
        )
    return found


def _portal_objects(portals: Iterable[Any]) -> list[Any]:
    """Portal objects from a mix of objects and slugs."""
    given = list(portals)
    return [p for p in given if not isinstance(p, str)] + _portals_for(p for p in given if isinstance(p, str))


def _check_role(role: str, portals: Sequence[Any]) -> Role:
    try:
        checked = Role(role)
    except ValueError:
        raise AccountError(
            _("Unknown role %(role)s. Choose one of: analyst, senior, admin, partner.") % {"role": role}
        ) from None
    if checked == Role.MEMBER:
        raise AccountError(_("Members use API keys, not accounts: run `reportal members create` instead."))
    if checked == Role.PARTNER and not portals:
        raise AccountError(_("A partner viewer needs at least one portal: add --portal SLUG."))
    return checked


@transaction.atomic
def create_staff(
    username: str,
    role: str,
    portals: Iterable[Any] = (),
    password: str | None = None,
    *,
    must_change_password: bool | None = None,
    actor: Any = None,
) -> tuple[Any, str, str, str]:
    """Create a staff user with a confirmed TOTP device -> (user, password, otpauth URI, TOTP secret in base32).

    `portals` are Portal objects or slugs. Without `password` a one-time password is generated, which the user
    must change at first login (`must_change_password` overrides that).
    """
    user_model = get_user_model()
    if not username or user_model.objects.filter(username=username).exists():
        raise AccountError(_("The username %(username)s is empty or taken; choose another.") % {"username": username})
    portal_list = _portal_objects(portals)
    checked_role = _check_role(role, portal_list)
    generated = password is None
    password = password or generate_password()
    user = user_model(username=username, is_active=True)
    validate_password(password, user)
    user.set_password(password)
    user.save()
    sync_admin_access(user, checked_role)
    profile = StaffProfile.objects.create(
        user=user,
        role=checked_role,
        must_change_password=generated if must_change_password is None else must_change_password,
    )
    if portal_list:
        profile.portals.set(portal_list)
    device = new_totp_device(user, confirmed=True)
    record(
        actor,
        "staff.created",
        user,
        username=username,
        role=str(checked_role),
        portals=sorted(p.slug for p in portal_list),
    )
    return user, password, otpauth_uri(device), totp_secret_base32(device)


def _staff_user(username: str) -> Any:
    user = get_user_model().objects.filter(username=username).select_related("staff_profile").first()
    if user is None or not hasattr(user, "staff_profile"):
        raise AccountError(_("No staff user %(username)s. See `reportal staff` for the list.") % {"username": username})
    return user


@transaction.atomic
def reset_staff(username: str, *, actor: Any = None, must_change_password: bool = True) -> tuple[Any, str, str, str]:
    """A new one-time password and a new TOTP secret; sessions, tokens and recovery codes of the old ones end.

    `must_change_password=False` suits a throw-away demo account whose password is printed at every start.
    """
    user = _staff_user(username)
    password = generate_password()
    user.set_password(password)  # also ends every session: the session hash depends on the password
    user.is_active = True
    user.save()
    profile = user.staff_profile
    profile.must_change_password = must_change_password
    profile.disabled = False
    profile.save()
    device = new_totp_device(user, confirmed=True)
    StaticDevice.objects.filter(user=user).delete()
    end_access(user)
    unlock_staff(username)
    record(actor, "staff.reset", user, username=username)
    return user, password, otpauth_uri(device), totp_secret_base32(device)


def _refuse_own_change(user: Any, actor: Any) -> None:
    """Nobody changes their own role or disabled flag: another admin (or the operator's command line) must."""
    if actor is not None and getattr(actor, "pk", None) is not None and actor.pk == user.pk:
        raise AccountError(_("You cannot change your own role or disable your own account. Ask another hotline admin."))


def revoke_staff_tokens(user: Any) -> int:
    """Every live API token of this user stops working now."""
    return StaffToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


def end_access(user: Any, *, keep: Any = None) -> None:
    """Every session and API token of this user ends now (`keep`: a request whose own session goes on)."""
    from reportal.accounts.sessions import end_sessions

    end_sessions(user.staff_profile, keep=keep)
    revoke_staff_tokens(user)


@transaction.atomic
def disable_staff(username: str, *, actor: Any = None) -> Any:
    """Disable a staff account: every session (staff pages, admin, API) and token of it ends at once."""
    user = _staff_user(username)
    _refuse_own_change(user, actor)
    profile = user.staff_profile
    profile.disabled = True
    profile.save()
    end_access(user)
    record(actor, "staff.disabled", user, username=username)
    return user


@transaction.atomic
def enable_staff(username: str, *, actor: Any = None) -> Any:
    user = _staff_user(username)
    _refuse_own_change(user, actor)
    profile = user.staff_profile
    profile.disabled = False
    profile.save()
    record(actor, "staff.enabled", user, username=username)
    return user


@transaction.atomic
def change_password(user: Any, new_password: str, *, request: Any = None) -> None:
    """The user's new password: their other sessions and every API token end; `request`'s session goes on."""
    user.set_password(new_password)
    user.save()
    profile = user.staff_profile
    profile.must_change_password = False
    profile.save(update_fields=["must_change_password", "updated_at"])
    if request is not None:
        from django.contrib.auth import update_session_auth_hash

        update_session_auth_hash(request, user)
    end_access(user, keep=request)
    record(user, "staff.password_changed")


@transaction.atomic
def set_role(username: str, role: str, portals: Iterable[Any] = (), *, actor: Any = None) -> Any:
    user = _staff_user(username)
    _refuse_own_change(user, actor)
    portal_list = _portal_objects(portals)
    new_role = _check_role(role, portal_list)
    profile = user.staff_profile
    old_role = profile.role
    profile.role = new_role
    profile.save()
    profile.portals.set(portal_list)
    sync_admin_access(user, new_role)
    record(
        actor,
        "staff.role_changed",
        user,
        username=username,
        old_role=old_role,
        new_role=str(new_role),
        portals=sorted(p.slug for p in portal_list),
    )
    return user


ADMIN_GROUP = "hotline admins"
# What hotline admins may do in the Django admin, per model: run the portals (with their partner organisations
# and helplines), routing rules, classification schemes and the keyword list; read the audit log, members, keys
# and staff; change staff profiles (never their own role or disabled flag). Keywords and schemes are retired, not
# deleted (past decisions and list versions name them).
ADMIN_PERMISSIONS: dict[tuple[str, str], tuple[str, ...]] = {
    ("portals", "portal"): ("view", "add", "change"),
    ("portals", "partnerorganisation"): ("view", "add", "change", "delete"),
    ("portals", "helpline"): ("view", "add", "change", "delete"),
    ("actions", "routingrule"): ("view", "add", "change", "delete"),
    ("hotline", "classificationscheme"): ("view", "add", "change"),
    ("hotline", "classificationoption"): ("view", "add", "change"),
    ("lists", "keyword"): ("view", "add"),
    ("audit", "auditentry"): ("view",),
    ("accounts", "staffprofile"): ("view", "change"),
    ("accounts", "member"): ("view",),
    ("accounts", "apikey"): ("view",),
    ("accounts", "stafftoken"): ("view",),
}


def ensure_admin_group() -> Any:
    """The hotline admins' group with exactly the permissions above (run after every migrate and role change)."""
    from django.contrib.auth.models import Group, Permission

    group, _created = Group.objects.get_or_create(name=ADMIN_GROUP)
    wanted = {(app, f"{action}_{model}") for (app, model), actions in ADMIN_PERMISSIONS.items() for action in actions}
    perms = [
        p
        for p in Permission.objects.filter(codename__in={c for _a, c in wanted}).select_related("content_type")
        if (p.content_type.app_label, p.codename) in wanted
    ]
    if {p.pk for p in perms} != set(group.permissions.values_list("pk", flat=True)):
        group.permissions.set(perms)
    return group


def sync_admin_access(user: Any, role: str) -> None:
    """Hotline admins get the Django admin (behind the same access rule as the staff pages) with the permissions
    above; others not. Nobody is a Django superuser: the permissions above are all an admin has."""
    group = ensure_admin_group()
    is_admin = role == Role.ADMIN
    user.is_staff = is_admin
    user.is_superuser = False
    user.save(update_fields=["is_staff", "is_superuser"])
    if is_admin:
        user.groups.add(group)
    else:
        user.groups.remove(group)


def unlock_staff(username: str) -> int:
    """Clear django-axes failures for this username (after a lockout)."""
    from axes.utils import reset

    return int(reset(username=username) or 0)


@dataclass(frozen=True)
class StaffRow:
    username: str
    role: str
    portals: list[str]
    disabled: bool
    must_change_password: bool
    has_totp: bool
    last_login: datetime | None


def list_staff() -> list[StaffRow]:
    rows = []
    profiles = StaffProfile.objects.select_related("user").prefetch_related("portals").order_by("user__username")
    with_totp = set(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
    for profile in profiles:
        rows.append(
            StaffRow(
                username=profile.user.get_username(),
                role=profile.role,
                portals=sorted(p.slug for p in profile.portals.all()),
                disabled=profile.disabled or not profile.user.is_active,
                must_change_password=profile.must_change_password,
                has_totp=profile.user_id in with_totp,
                last_login=profile.user.last_login,
            )
        )
    return rows


# --- Staff API tokens -------------------------------------------------------------------------------


def issue_staff_token(user: Any) -> tuple[str, StaffToken]:
    """A bearer token for `user` (who just gave password and TOTP); shown once, stored as its SHA-256."""
    token, prefix, token_hash = new_secret(STAFF_TOKEN_PREFIX)
    expires = timezone.now() + timedelta(hours=settings.REPORTAL_STAFF_TOKEN_HOURS)
    row = StaffToken.objects.create(user=user, prefix=prefix, token_hash=token_hash, expires_at=expires)
    record(user, "staff.token_issued", user, token=prefix, expires_at=expires.isoformat())
    return token, row


# --- Members ----------------------------------------------------------------------------------------


def parse_scopes(scopes: str | Iterable[str]) -> list[str]:
    items = [s.strip() for s in (scopes.split(",") if isinstance(scopes, str) else scopes) if s and s.strip()]
    valid = {str(s) for s in Scope.values}
    unknown = sorted(set(items) - valid)
    if unknown or not items:
        raise AccountError(
            _("Unknown or missing scopes %(scopes)s. Choose from: %(valid)s.")
            % {"scopes": ", ".join(unknown) or "-", "valid": ", ".join(sorted(valid))}
        )
    return sorted(set(items))


def _new_key(
    member: Member, scopes: list[str], expires_days: int | None, *, expires_at: datetime | None = None
) -> tuple[str, ApiKey]:
    """A new key; it expires after `expires_days`, or at `expires_at` (a rotation keeps the old key's end)."""
    key, prefix, secret_hash = new_secret(MEMBER_KEY_PREFIX)
    if expires_days:
        expires_at = timezone.now() + timedelta(days=expires_days)
    api_key = ApiKey.objects.create(
        member=member, prefix=prefix, secret_hash=secret_hash, scopes=scopes, expires_at=expires_at
    )
    return key, api_key


@transaction.atomic
def create_member(
    name: str,
    kind: str,
    scopes: str | Iterable[str],
    *,
    expires_days: int | None = None,
    licence_accepted: bool = False,
    actor: Any = None,
) -> tuple[Member, str]:
    """A member organisation and its first API key -> (member, key). The key is shown once; only its hash stays."""
    if kind not in Member.Kind.values:
        raise AccountError(
            _("Unknown member kind %(kind)s. Choose one of: %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(Member.Kind.values)}
        )
    if not name or Member.objects.filter(name=name).exists():
        raise AccountError(_("A member named %(name)s exists already (or the name is empty).") % {"name": name})
    if expires_days is not None and expires_days <= 0:
        raise AccountError(_("--expires-days must be a positive number of days."))
    checked_scopes = parse_scopes(scopes)
    member = Member.objects.create(
        name=name, kind=kind, licence_accepted_at=timezone.now() if licence_accepted else None
    )
    key, api_key = _new_key(member, checked_scopes, expires_days)
    record(actor, "member.created", member, name=name, kind=kind, scopes=checked_scopes, key=api_key.prefix)
    return member, key


def _member(name: str) -> Member:
    member = Member.objects.filter(name=name).first()
    if member is None:
        raise AccountError(_("No member named %(name)s. See `reportal members` for the list.") % {"name": name})
    return member


def _live_keys(member: Member) -> list[ApiKey]:
    now = timezone.now()
    return [k for k in member.keys.all() if k.is_live(now)]


@transaction.atomic
def rotate_member_key(
    name: str, *, grace_hours: float = 0, expires_days: int | None = None, scopes: str | None = None, actor: Any = None
) -> tuple[Member, str]:
    """A new key with the same scopes and the same expiry as the old keys (unless `expires_days` sets a new one);
    the old keys stop now, or after `grace_hours` so the member can switch."""
    member = _member(name)
    old_keys = _live_keys(member)
    checked_scopes = parse_scopes(scopes) if scopes else sorted({s for k in old_keys for s in k.scopes})
    if not checked_scopes:
        raise AccountError(_("The member has no live key to take scopes from: pass --scopes."))
    if expires_days is not None and expires_days <= 0:
        raise AccountError(_("--expires-days must be a positive number of days."))
    # A rotation replaces the secret, not the agreement: the new key ends when the old ones would have.
    old_ends = [k.expires_at for k in old_keys]
    keep_until = None if not old_ends or None in old_ends else max(e for e in old_ends if e is not None)
    key, api_key = _new_key(member, checked_scopes, expires_days, expires_at=keep_until)
    ends = timezone.now() + timedelta(hours=grace_hours)
    ApiKey.objects.filter(pk__in=[k.pk for k in old_keys]).update(revoked_at=ends)
    record(
        actor,
        "member.key_rotated",
        member,
        name=name,
        key=api_key.prefix,
        old_keys=[k.prefix for k in old_keys],
        old_keys_end=ends.isoformat(),
    )
    return member, key


MAX_SELF_GRACE_HOURS = 7 * 24


@transaction.atomic
def rotate_own_key(member: Member, key_id: int, *, grace_hours: float = 24) -> tuple[str, ApiKey, Any]:
    """A member replaces the key it calls with: same scopes and the same expiry (a member cannot extend its own
    access by rotating); the old key ends after `grace_hours`, and never later than it would have anyway."""
    if not 0 <= grace_hours <= MAX_SELF_GRACE_HOURS:
        raise AccountError(_("The grace period must be between 0 and %(max)s hours.") % {"max": MAX_SELF_GRACE_HOURS})
    old = ApiKey.objects.select_for_update().get(pk=key_id, member=member)
    now = timezone.now()
    if not old.is_live(now):
        raise AccountError(_("This key no longer works, so it cannot be rotated. Ask the hotline for a new one."))
    key, new = _new_key(member, list(old.scopes), None, expires_at=old.expires_at)
    ends = now + timedelta(hours=grace_hours)
    if old.revoked_at is None or old.revoked_at > ends:
        old.revoked_at = ends
        old.save(update_fields=["revoked_at"])
    record(
        member,
        "member.key_rotated",
        member,
        name=member.name,
        key=new.prefix,
        old_keys=[old.prefix],
        old_keys_end=ends.isoformat(),
        via="api",
    )
    return key, new, ends


@transaction.atomic
def revoke_member(name: str, *, actor: Any = None) -> Member:
    """Every key of the member stops working now."""
    member = _member(name)
    now = timezone.now()
    revoked = [k.prefix for k in _live_keys(member)]
    member.keys.filter(prefix__in=revoked).update(revoked_at=now)
    ApiKey.objects.filter(member=member, revoked_at__gt=now).update(revoked_at=now)  # grace periods end too
    record(actor, "member.keys_revoked", member, name=name, keys=revoked)
    return member


@transaction.atomic
def set_member_active(name: str, active: bool, *, actor: Any = None) -> Member:
    member = _member(name)
    member.active = active
    member.save(update_fields=["active"])
    record(actor, "member.activated" if active else "member.deactivated", member, name=name)
    return member


@transaction.atomic
def accept_licence(name: str, *, actor: Any = None) -> Member:
    member = _member(name)
    member.licence_accepted_at = timezone.now()
    member.save(update_fields=["licence_accepted_at"])
    record(actor, "member.licence_accepted", member, name=name)
    return member


@dataclass(frozen=True)
class MemberRow:
    name: str
    kind: str
    active: bool
    licence_accepted_at: datetime | None
    live_keys: list[str]
    scopes: list[str]
    expires_at: datetime | None
    last_used_at: datetime | None


def list_members() -> list[MemberRow]:
    rows = []
    for member in Member.objects.prefetch_related("keys").order_by("name"):
        live = _live_keys(member)
        expiries = [k.expires_at for k in live if k.expires_at is not None]
        used = [k.last_used_at for k in member.keys.all() if k.last_used_at is not None]
        rows.append(
            MemberRow(
                name=member.name,
                kind=member.kind,
                active=member.active,
                licence_accepted_at=member.licence_accepted_at,
                live_keys=[k.prefix for k in live],
                scopes=sorted({s for k in live for s in k.scopes}),
                expires_at=min(expiries) if expiries else None,
                last_used_at=max(used) if used else None,
            )
        )
    return rows


__all__ = [
    "AccountError",
    "HOTLINE_ROLES",
    "accept_licence",
    "create_member",
    "create_staff",
    "current_totp",
    "change_password",
    "disable_staff",
    "enable_staff",
    "end_access",
    "issue_staff_token",
    "list_members",
    "list_staff",
    "new_recovery_codes",
    "reset_staff",
    "revoke_member",
    "rotate_member_key",
    "set_role",
    "unlock_staff",
]
