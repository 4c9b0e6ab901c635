"""The HMA-compatible HTTP API (Meta's Hasher-Matcher-Actioner, OpenMediaMatch blueprints), as plain Django views.

Paths, parameters and response shapes follow HMA's hashing (/h), matching (/m) and curation (/c) blueprints so
that clients written for HMA work unchanged; errors are HMA's {"message": ...}. Differences, on purpose:
- /h/hash returns md5, sha1 and sha256 of the bytes beside pdq;
- /m/raw_lookup leaves out disabled entries and switched-off banks (HMA returns them);
- bank JSON carries reportal's `pdq_threshold` and vPDQ settings beside HMA's fields, and accepts them on
  create/update.
Videos (content type `video`, multipart field `video`) are hashed with vPDQ and MD5 as HMA's `vpdq` and
`video_md5` signal types (hashes/video.py), plus SHA-256.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from reportal.hashes import banks as bank_services
from reportal.hashes import matcher
from reportal.hashes.banks import BankError, BankExists, BankNotFound, ContentSignals
from reportal.hashes.guard import HASHES, MATCH, STAFF_WRITE, api_access, error
from reportal.hashes.hashing import (
    DecoderBusyError,
    ImageHashError,
    ImageHashes,
    ImageTooLargeError,
    hash_image_bytes,
)
from reportal.hashes.models import Bank, BankContent
from reportal.hashes.signals import SIGNAL_TYPES, VPDQ, InvalidSignal, canonical_type, parse_signal
from reportal.hashes.video import VideoHashes, hash_video, max_video_bytes
from reportal.jsonbody import BodyError, load_json_body

# HMA's content types.
PHOTO = "photo"
VIDEO = "video"
CONTENT_TYPES = (PHOTO, VIDEO)
FIVE_YEARS = 365 * 5 * 24 * 3600


def _bool(value: str | None, name: str, default: bool = False) -> bool:
    if value is None:
        return default
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise InvalidSignal(_("%(name)s must be true or false.") % {"name": name})


def _json_body(request: HttpRequest) -> Any:
    """The JSON body; InvalidSignal (400) when it is not JSON, nests too deep or carries invalid Unicode."""
    try:
        return load_json_body(request.body or b"null")
    except BodyError as exc:
        raise InvalidSignal(str(exc)) from None


def _number(body: dict[str, Any], name: str, low: float, high: float, *, whole: bool = False) -> float | None:
    """body[name] as a finite number within [low, high] (a whole one with `whole`), None when absent or null.

    JSON brings anything here: strings, lists, booleans, 1e400 (infinity after parsing); each is a 400 that says
    what the field takes.
    """
    value = body.get(name)
    if value is None:
        return None
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if ok and whole and isinstance(value, float):
        ok = value.is_integer()
    if not ok or not low <= value <= high:
        if whole:
            message = _("%(name)s must be a whole number from %(low)s to %(high)s.")
        else:
            message = _("%(name)s must be a number from %(low)s to %(high)s.")
        raise InvalidSignal(message % {"name": name, "low": f"{low:g}", "high": f"{high:g}"})
    return int(value) if whole else float(value)


def _text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidSignal(_("%(name)s must be text.") % {"name": name})
    return value


def _bank_json(bank: Bank) -> dict[str, Any]:
    return {
        "name": bank.name,
        "matching_enabled_ratio": bank.matching_enabled_ratio,
        "pdq_threshold": bank.pdq_threshold,
        "vpdq_distance_threshold": bank.vpdq_distance_threshold,
        "vpdq_quality_threshold": bank.vpdq_quality_threshold,
        "vpdq_query_match_percent": bank.vpdq_query_match_percent,
        "vpdq_compared_match_percent": bank.vpdq_compared_match_percent,
    }


def _vpdq_settings(body: dict[str, Any]) -> bank_services.VpdqSettings:
    distance = _number(body, "vpdq_distance_threshold", 0, 31, whole=True)
    quality = _number(body, "vpdq_quality_threshold", 50, 100, whole=True)
    return bank_services.VpdqSettings(
        distance_threshold=None if distance is None else int(distance),
        quality_threshold=None if quality is None else int(quality),
        query_match_percent=_number(body, "vpdq_query_match_percent", 0, 100),
        compared_match_percent=_number(body, "vpdq_compared_match_percent", 0, 100),
    )


def _by_method(**views: Callable[..., Any]) -> Callable[..., Any]:
    """One URL, a differently guarded view per HTTP method."""

    @csrf_exempt
    def dispatch(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        view = views.get(request.method.lower() if request.method else "")
        values = [*kwargs.values(), *(v for vs in request.GET.lists() for v in vs[1])]
        if any(isinstance(v, str) and "\x00" in v for v in values):  # PostgreSQL refuses NUL in any text
            return error(_("The request contains a NUL character (\\u0000), which no field accepts."), 400)
        if view is None:
            response = error(_("This method is not allowed here."), 405)
            response["Allow"] = ", ".join(m.upper() for m in views)
            return response
        return view(request, *args, **kwargs)

    first = next(iter(views.values()))
    dispatch.reportal_access = first.reportal_access  # type: ignore[attr-defined]
    return dispatch


def _handle(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the domain's errors into HMA's JSON errors."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(request, *args, **kwargs)
        except BankNotFound as exc:
            return error(str(exc), 404)
        except BankExists as exc:
            return error(str(exc), 403)
        except ImageTooLargeError as exc:
            return error(exc.message, 413)
        except DecoderBusyError as exc:
            response = error(exc.message, 503)
            response["Retry-After"] = "30"
            return response
        except (BankError, InvalidSignal, ImageHashError) as exc:
            return error(getattr(exc, "message", str(exc)), 400)

    wrapped.__name__ = fn.__name__
    return wrapped


# --- hashing (/h) -------------------------------------------------------------------------------------------


def _signal_selection(request: HttpRequest) -> list[str] | None:
    raw = request.GET.get("types")
    if raw is None:
        return None
    names = [canonical_type(n) for n in raw.split(",") if n.strip()]
    if not names:
        raise InvalidSignal(_("empty signal type selection"))
    return names


def _hash_response(hashes: ImageHashes, selection: list[str] | None) -> dict[str, str]:
    # threatexchange's PDQ hasher gives "" for a hash too weak to match; HMA passes that on.
    out = {
        "pdq": hashes.pdq if hashes.pdq_matchable else "",
        "md5": hashes.md5,
        "sha1": hashes.sha1,
        "sha256": hashes.sha256,
    }
    return {k: v for k, v in out.items() if selection is None or k in selection}


def _video_hash_response(hashes: VideoHashes, selection: list[str] | None) -> dict[str, str]:
    # HMA's names for a video's signals; an empty vpdq when no frame is good enough to match, as for PDQ.
    out = {VPDQ: hashes.vpdq if hashes.vpdq_matchable else "", "video_md5": hashes.md5, "sha256": hashes.sha256}
    return {k: v for k, v in out.items() if selection is None or canonical_type(k) in selection}


def _content_type_of(declared: str, request: HttpRequest) -> str:
    """photo or video: the content_type parameter, else what the address declared (image/* or video/*)."""
    wanted = request.GET.get("content_type") or ""
    if wanted:
        if wanted not in CONTENT_TYPES:
            raise InvalidSignal(_("no such content_type: '%(name)s'") % {"name": wanted[:50]})
        return wanted
    if declared.lower().startswith("video"):
        return VIDEO
    if not declared.lower().startswith("image"):
        raise InvalidSignal(
            _(
                "unsupported url ContentType: '%(type)s', if you know the expected type, provide it with the "
                "content_type query param"
            )
            % {"type": declared[:100]}
        )
    return PHOTO


def _max_bytes(content_type: str) -> int:
    return max_video_bytes() if content_type == VIDEO else int(settings.REPORTAL_HASH_MAX_BYTES)


def bytes_from_url(request: HttpRequest, url: str) -> tuple[bytes, str] | JsonResponse:
    """The body at `url` and its content type (photo or video), fetched through the guarded fetcher (SSRF guard,
    byte cap, deadline)."""
    from reportal.net.fetch import FetchError, fetch

    # The image cap unless the caller says video: an address cannot make an image request fetch a video's bytes.
    wanted = request.GET.get("content_type") or PHOTO
    try:
        result = fetch(url, max_bytes=_max_bytes(wanted if wanted in CONTENT_TYPES else PHOTO))
    except FetchError as exc:
        return error(_("Failed to fetch URL: %(reason)s") % {"reason": str(exc)}, 400)
    if result.status != 200:
        return error(
            _("Failed to fetch URL: it answered with HTTP status %(status)d.") % {"status": result.status}, 400
        )
    content_type = _content_type_of(result.content_type or result.declared_content_type, request)
    if len(result.body) > _max_bytes(content_type):
        return error(_("Content too large"), 413)
    return result.body, content_type


def bytes_from_form(request: HttpRequest) -> tuple[bytes, str] | JsonResponse:
    """HMA's multipart upload: exactly one file, under the field named for its content type (photo or video)."""
    if not request.FILES:
        return error(_("Missing multipart/form-data file upload"), 400)
    if len(request.FILES) > 1 or any(len(request.FILES.getlist(k)) > 1 for k in request.FILES):
        return error(_("Only one file allowed per request"), 400)
    field_name = next(iter(request.FILES))
    if field_name not in CONTENT_TYPES:
        return error(_("no such content_type: '%(name)s'") % {"name": field_name[:50]}, 400)
    upload = request.FILES.getlist(field_name)[0]
    if upload.size and upload.size > _max_bytes(field_name):
        return error(_("Content too large"), 413)
    return upload.read(), field_name


def _hashes_of(request: HttpRequest, media: tuple[bytes, str] | JsonResponse) -> dict[str, str] | JsonResponse:
    if isinstance(media, JsonResponse):
        return media
    data, content_type = media
    if content_type == VIDEO:
        return _video_hash_response(hash_video(data), _signal_selection(request))
    return _hash_response(hash_image_bytes(data, mode="exact"), _signal_selection(request))


@api_access(MATCH)
@_handle
def _hash_get(request: HttpRequest) -> HttpResponse:
    url = request.GET.get("url")
    if not url:
        return error(_("url is required"), 400)
    result = _hashes_of(request, bytes_from_url(request, url))
    return result if isinstance(result, HttpResponse) else JsonResponse(result)


@api_access(MATCH)
@_handle
def _hash_post(request: HttpRequest) -> HttpResponse:
    result = _hashes_of(request, bytes_from_form(request))
    return result if isinstance(result, HttpResponse) else JsonResponse(result)


hash_media = _by_method(get=_hash_get, post=_hash_post)


# --- matching (/m) ------------------------------------------------------------------------------------------


def _banks_param(request: HttpRequest) -> set[str] | None:
    raw = request.GET.get("banks")
    return {b for b in raw.split(",") if b} if raw else None


def _lookup(
    signal_type: str, signal: str, request: HttpRequest, *, bypass_coinflip: bool = False
) -> dict[str, list[dict[str, Any]]]:
    """HMA's lookup(): {BANK: [{"bank_content_id": id, "distance": "n"}]} for enabled entries of enabled banks."""
    st, value = parse_signal(signal_type, signal)
    found = matcher.lookup(
        [(st, value)],
        banks=_banks_param(request),
        seed=request.GET.get("seed"),
        bypass_coinflip=bypass_coinflip,
        include_switched_off=bypass_coinflip,
    )[0]
    out: dict[str, list[dict[str, Any]]] = {}
    for m in found:
        out.setdefault(m.bank, []).append({"bank_content_id": m.content_id, "distance": m.distance_text})
    return out


@api_access(MATCH)
@_handle
def raw_lookup(request: HttpRequest) -> HttpResponse:
    signal = request.GET.get("signal")
    signal_type = request.GET.get("signal_type")
    if signal is None:
        return error(_("signal is required"), 400)
    if signal_type is None:
        return error(_("signal_type is required"), 400)
    include_distance = _bool(request.GET.get("include_distance"), "include_distance")
    st, value = parse_signal(signal_type, signal)
    found = matcher.lookup([(st, value)], banks=_banks_param(request), bypass_coinflip=True)[0]
    if include_distance:
        matches: list[Any] = [{"bank_content_id": m.content_id, "distance": m.distance_text} for m in found]
    else:
        matches = [m.content_id for m in found]
    return JsonResponse({"matches": matches})


@api_access(MATCH)
@_handle
def _lookup_get(request: HttpRequest) -> HttpResponse:
    bypass = _bool(request.GET.get("bypass_coinflip"), "bypass_coinflip")
    url = request.GET.get("url")
    if url:
        hashes = _hashes_of(request, bytes_from_url(request, url))
        if isinstance(hashes, HttpResponse):
            return hashes
        resp = {st: _lookup(st, sig, request, bypass_coinflip=bypass) for st, sig in hashes.items() if sig}
        selected = request.GET.get("signal_type")
        if selected is not None:
            return JsonResponse(resp.get(selected) or resp.get(canonical_type(selected), {}))
        return JsonResponse(resp)
    signal, signal_type = request.GET.get("signal"), request.GET.get("signal_type")
    if not signal or not signal_type:
        return error(_("Either url or both signal and signal_type are required"), 400)
    return JsonResponse(_lookup(signal_type, signal, request, bypass_coinflip=bypass))


@api_access(MATCH)
@_handle
def _lookup_post(request: HttpRequest) -> HttpResponse:
    hashes = _hashes_of(request, bytes_from_form(request))
    if isinstance(hashes, HttpResponse):
        return hashes
    bypass = request.GET.get("bypass_coinflip", "false") == "true"
    return JsonResponse({st: _lookup(st, sig, request, bypass_coinflip=bypass) for st, sig in hashes.items() if sig})


lookup = _by_method(get=_lookup_get, post=_lookup_post)


@api_access(MATCH)
@_handle
def _index_status(request: HttpRequest) -> HttpResponse:
    status = matcher.get_matcher().status()
    limit_to = request.GET.get("signal_type")
    if limit_to is not None:
        if limit_to not in status:
            return error(_("No such signal type '%(name)s'") % {"name": limit_to[:50]}, 400)
        status = {limit_to: status[limit_to]}
    return JsonResponse(status)


index_status = _by_method(get=_index_status)


# --- curation (/c) ------------------------------------------------------------------------------------------


@api_access(HASHES)
@_handle
def _banks_index(request: HttpRequest) -> HttpResponse:
    return JsonResponse([_bank_json(b) for b in Bank.objects.all()], safe=False)


@api_access(STAFF_WRITE)
@_handle
def _bank_create(request: HttpRequest) -> HttpResponse:
    body = _json_body(request)
    if not isinstance(body, dict) or not body.get("name"):
        return error(_("name is required"), 400)
    name = _text(body, "name") or ""
    ratio = _number(body, "enabled_ratio", 0, 1)
    if ratio is None:
        ratio = 1.0 if body.get("enabled") is None or body["enabled"] else 0.0
    threshold = _number(body, "pdq_threshold", 0, 31, whole=True)
    bank = bank_services.create_bank(
        name,
        matching_enabled_ratio=ratio,
        pdq_threshold=None if threshold is None else int(threshold),
        vpdq=_vpdq_settings(body),
    )
    return JsonResponse(_bank_json(bank), status=201)


banks = _by_method(get=_banks_index, post=_bank_create)


@api_access(HASHES)
@_handle
def _bank_show(request: HttpRequest, bank_name: str) -> HttpResponse:
    bank = Bank.objects.filter(name=bank_name).first()
    if bank is None:
        return error(_("bank '%(name)s' not found") % {"name": bank_name}, 404)
    return JsonResponse(_bank_json(bank))


@api_access(STAFF_WRITE)
@_handle
def _bank_update(request: HttpRequest, bank_name: str) -> HttpResponse:
    bank = Bank.objects.filter(name=bank_name).first()
    if bank is None:
        return error(_("Bank not found"), 404)
    body = _json_body(request)
    if not isinstance(body, dict):
        return error(_("this endpoint expects a json object payload"), 400)
    ratio = None
    if body.get("enabled") is not None:
        ratio = 1.0 if body["enabled"] else 0.0
    if body.get("enabled_ratio") is not None:
        ratio = _number(body, "enabled_ratio", 0, 1)
    threshold = _number(body, "pdq_threshold", 0, 31, whole=True)
    bank = bank_services.update_bank(
        bank,
        name=_text(body, "name"),
        matching_enabled_ratio=ratio,
        pdq_threshold=None if threshold is None else int(threshold),
        vpdq=_vpdq_settings(body),
    )
    return JsonResponse(_bank_json(bank))


@api_access(STAFF_WRITE)
@_handle
def _bank_delete(request: HttpRequest, bank_name: str) -> HttpResponse:
    bank_services.delete_bank(bank_name)
    return JsonResponse({"message": "Done"})


bank = _by_method(get=_bank_show, put=_bank_update, delete=_bank_delete)


def _content_json(content: BankContent, *, include_signals: bool) -> dict[str, Any]:
    """HMA's BankContentResponse."""
    out: dict[str, Any] = {
        "id": content.pk,
        "disable_until_ts": content.disable_until_ts,
        "original_media_uri": content.original_media_uri or None,
        "bank": {"name": content.bank.name, "matching_enabled_ratio": content.bank.matching_enabled_ratio},
        "metadata": {
            "content_id": content.external_id or None,
            "content_uri": content.original_media_uri or None,
            "json": {
                "classification": content.classification,
                "source": content.source,
                "pdq_quality": content.pdq_quality,
                "created_at": content.created_at.isoformat(),
                **(content.metadata or {}),
            },
            "collab": None,
        },
        "note": content.note or None,
    }
    if include_signals:
        out["signals"] = content.signals()
    return out


def _content_config_json(content: BankContent) -> dict[str, Any]:
    """HMA's BankContentConfig dataclass as flask's jsonify writes it (the answer to a content update)."""
    return {
        "id": content.pk,
        "disable_until_ts": content.disable_until_ts,
        "collab_metadata": {},
        "original_media_uri": content.original_media_uri or None,
        "bank": {"name": content.bank.name, "matching_enabled_ratio": content.bank.matching_enabled_ratio},
        "user_metadata": None,
        "note": content.note or None,
    }


@api_access(HASHES)
@_handle
def _content_show(request: HttpRequest, bank_name: str, content_id: int) -> HttpResponse:
    bank_obj = Bank.objects.filter(name=bank_name).first()
    if bank_obj is None:
        return error(_("bank '%(name)s' not found") % {"name": bank_name}, 404)
    content = BankContent.objects.select_related("bank").filter(pk=content_id, bank=bank_obj).first()
    if content is None:
        return error(_("content '%(id)s' not found") % {"id": content_id}, 404)
    include = request.GET.get("include_signals", "false").lower() == "true"
    return JsonResponse(_content_json(content, include_signals=include))


@api_access(STAFF_WRITE)
@_handle
def _content_update(request: HttpRequest, bank_name: str, content_id: int) -> HttpResponse:
    bank_obj = Bank.objects.filter(name=bank_name).first()
    if bank_obj is None:
        return error(_("bank '%(name)s' not found") % {"name": bank_name}, 404)
    content = BankContent.objects.select_related("bank").filter(pk=content_id, bank=bank_obj).first()
    if content is None:
        return error(_("content '%(id)s' not found") % {"id": content_id}, 404)
    body = _json_body(request)
    if not isinstance(body, dict):
        return error(_("this endpoint expects a json object payload"), 400)
    if "disable_until_ts" in body:
        raw = body["disable_until_ts"]
        try:
            if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
                raise TypeError
            value = int(raw)
        except (TypeError, ValueError, OverflowError):
            return error(_("Invalid int: '%(value)s'") % {"value": str(raw)[:30]}, 400)
        if value < 0:
            return error(_("disable_until_ts must be a non-negative integer"), 400)
        if value > time.time() + FIVE_YEARS:
            return error(_("disable_until_ts must be less than 5 years in the future"), 400)
        bank_services.set_content_disabled_until(content, value)
    return JsonResponse(_content_config_json(content))


@api_access(STAFF_WRITE)
@_handle
def _content_delete(request: HttpRequest, bank_name: str, content_id: int) -> HttpResponse:
    bank_obj = bank_services.get_bank(bank_name)
    return JsonResponse({"deleted": bank_services.delete_content(bank_obj, content_id)})


bank_content_item = _by_method(get=_content_show, put=_content_update, delete=_content_delete)


def _metadata_provenance(metadata: Any) -> dict[str, Any]:
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise InvalidSignal(_("metadata should be a json object"))
    unknown = set(metadata) - {"content_id", "content_uri", "json", "collab"}
    if unknown:
        raise InvalidSignal(_("Invalid metadata: unknown fields %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    extra: dict[str, Any] = metadata["json"] if isinstance(metadata.get("json"), dict) else {}
    return {
        "external_id": str(metadata.get("content_id") or ""),
        "original_media_uri": str(metadata.get("content_uri") or ""),
        "classification": str(extra.get("classification") or ""),
        "source": str(extra.get("source") or "api"),
        "metadata": extra,
    }


def _add_signals(
    request: HttpRequest,
    bank_obj: Bank,
    signals: dict[str, str],
    quality: int | None,
    metadata: Any,
    *,
    video: VideoHashes | None = None,
) -> HttpResponse:
    if not signals:
        return error(_("No signals given"), 400)
    provenance = _metadata_provenance(metadata) or {"source": "api"}
    content_signals = ContentSignals.from_mapping(signals, **provenance)
    content_signals.pdq_quality = quality
    if video is not None:
        shape = {"content_type": VIDEO, "duration_s": video.duration_s, "width": video.width, "height": video.height}
        content_signals.metadata = {**content_signals.metadata, **shape}
    principal = getattr(request, "hash_principal", None)
    analyst = principal if getattr(principal, "is_authenticated", False) else None
    content = bank_services.add_content(bank_obj, content_signals, analyst=analyst)
    return JsonResponse({"id": content.pk, "signals": content.signals()})


@api_access(STAFF_WRITE)
@_handle
def _content_add(request: HttpRequest, bank_name: str) -> HttpResponse:
    bank_obj = Bank.objects.filter(name=bank_name).first()
    if bank_obj is None:
        return error(_("bank '%(name)s' not found") % {"name": bank_name}, 404)
    metadata = None
    if request.content_type == "application/json":
        body = _json_body(request)
        metadata = body.get("metadata") if isinstance(body, dict) else None
    url = request.GET.get("url")
    if url:
        media = bytes_from_url(request, url)
    elif request.FILES:
        media = bytes_from_form(request)
    else:
        return error(_("Neither `url` nor multipart file upload was received"), 400)
    if isinstance(media, HttpResponse):
        return media
    data, content_type = media
    if content_type == VIDEO:
        video = hash_video(data)
        signals = {"md5": video.md5, "sha256": video.sha256}
        if video.frames:
            # Every frame is kept (HMA's vpdq signal); frames under quality 50 never match.
            signals[VPDQ] = video.vpdq
        return _add_signals(request, bank_obj, signals, None, metadata, video=video)
    hashes = hash_image_bytes(data, mode="exact")
    # A weak PDQ hash is kept with its quality (it never matches); HMA would drop it.
    return _add_signals(request, bank_obj, hashes.signals() | {"pdq": hashes.pdq}, hashes.pdq_quality, metadata)


bank_content = _by_method(post=_content_add)


@api_access(STAFF_WRITE)
@_handle
def _signal_add(request: HttpRequest, bank_name: str) -> HttpResponse:
    bank_obj = Bank.objects.filter(name=bank_name).first()
    if bank_obj is None:
        return error(_("bank '%(name)s' not found") % {"name": bank_name}, 404)
    body = _json_body(request)
    if not isinstance(body, dict):
        return error(_("this endpoint expects a json object payload"), 400)
    metadata = body.pop("metadata", None)
    quality = body.pop("pdq_quality", None)
    signals: dict[str, str] = {}
    for name, value in body.items():
        try:
            st = canonical_type(str(name))
        except InvalidSignal:
            return error(_("No such signal type %(name)s") % {"name": str(name)[:50]}, 400)
        if st not in SIGNAL_TYPES:
            return error(_("No such signal type %(name)s") % {"name": str(name)[:50]}, 400)
        # A vpdq signal may come as its JSON text or as the list itself.
        signals[st] = json.dumps(value) if st == VPDQ and isinstance(value, list) else str(value)
    if quality is not None:
        try:
            if isinstance(quality, bool) or not isinstance(quality, (int, float, str)):
                raise TypeError
            quality = max(0, min(100, int(quality)))
        except (TypeError, ValueError, OverflowError):
            return error(_("pdq_quality must be a whole number from 0 to 100."), 400)
    return _add_signals(request, bank_obj, signals, quality, metadata)


bank_signal = _by_method(post=_signal_add)
