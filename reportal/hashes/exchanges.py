"""Fetching hash lists from NCMEC, StopNCII and Meta's ThreatExchange through python-threatexchange's clients.

An exchange is fetched only when the operator configured its credentials (settings REPORTAL_NCMEC_CREDENTIALS,
REPORTAL_STOPNCII_KEYS, REPORTAL_THREATEXCHANGE_TOKEN). Each delta the client yields is stored with its
checkpoint in one transaction, so an interrupted fetch resumes from the last stored checkpoint. An entry that
the exchange withdraws is disabled in the bank (it stops matching at once).

Tested: StopNCII, against a fake FetchHashes API on loopback (its credentials take a base URL). Not tested here:
NCMEC (python-threatexchange's client only knows NCMEC's fixed environment URLs) and ThreatExchange (its
exchange class builds its client without an endpoint override); both go through the same generic code path.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dacite
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reportal.hashes import banks as bank_services
from reportal.hashes.banks import ContentSignals
from reportal.hashes.models import Bank, BankContent, ExchangeFetchState
from reportal.hashes.signals import InvalidSignal, canonical_type

logger = logging.getLogger(__name__)


class ExchangeNotConfigured(Exception):
    """str() is a translated sentence naming the setting to fill in."""


@dataclass(frozen=True)
class ExchangeSpec:
    name: str
    setting: str
    default_bank: str


EXCHANGES = {
    "ncmec": ExchangeSpec("ncmec", "REPORTAL_NCMEC_CREDENTIALS", "NCMEC"),
    "stopncii": ExchangeSpec("stopncii", "REPORTAL_STOPNCII_KEYS", "STOPNCII"),
    "threatexchange": ExchangeSpec("threatexchange", "REPORTAL_THREATEXCHANGE_TOKEN", "THREATEXCHANGE"),
}


def configured_exchanges() -> list[str]:
    return [name for name, spec in EXCHANGES.items() if getattr(settings, spec.setting, "")]


def _client(name: str) -> tuple[Any, Any]:
    """(api instance, the api class) for a configured exchange."""
    spec = EXCHANGES.get(name)
    if spec is None:
        raise ExchangeNotConfigured(
            _("Unknown exchange %(name)s. Use ncmec, stopncii or threatexchange.") % {"name": name}
        )
    secret = getattr(settings, spec.setting, "")
    if not secret:
        raise ExchangeNotConfigured(
            _("The %(name)s exchange has no credentials. Set %(setting)s to fetch from it.")
            % {"name": name, "setting": spec.setting}
        )
    if name == "stopncii":
        from threatexchange.exchanges.collab_config import CollaborationConfigBase
        from threatexchange.exchanges.impl.stop_ncii_api import StopNCIICredentials, StopNCIISignalExchangeAPI

        collab = CollaborationConfigBase(name="StopNCII", api=StopNCIISignalExchangeAPI.get_name(), enabled=True)
        return (
            StopNCIISignalExchangeAPI.for_collab(collab, StopNCIICredentials._from_str(secret)),
            StopNCIISignalExchangeAPI,
        )
    if name == "ncmec":
        from threatexchange.exchanges.clients.ncmec.hash_api import NCMECEnvironment
        from threatexchange.exchanges.impl.ncmec_api import NCMECCollabConfig, NCMECCredentials, NCMECSignalExchangeAPI

        user, _sep, password = secret.replace(":", ",", 1).partition(",")
        environment = next(
            (e for e in NCMECEnvironment if e.value == settings.REPORTAL_NCMEC_ENVIRONMENT), list(NCMECEnvironment)[0]
        )
        collab = NCMECCollabConfig(name="NCMEC", environment=environment)
        return NCMECSignalExchangeAPI.for_collab(collab, NCMECCredentials(user, password)), NCMECSignalExchangeAPI
    from threatexchange.exchanges.impl.fb_threatexchange_api import (
        FBThreatExchangeCollabConfig,
        FBThreatExchangeCredentials,
        FBThreatExchangeSignalExchangeAPI,
    )

    collab = FBThreatExchangeCollabConfig(
        name="ThreatExchange", privacy_group=settings.REPORTAL_THREATEXCHANGE_PRIVACY_GROUP
    )
    return (
        FBThreatExchangeSignalExchangeAPI.for_collab(collab, FBThreatExchangeCredentials(secret)),
        FBThreatExchangeSignalExchangeAPI,
    )


def _signal_types() -> list[Any]:
    from threatexchange.signal_type.md5 import VideoMD5Signal
    from threatexchange.signal_type.pdq.signal import PdqSignal

    return [PdqSignal, VideoMD5Signal, vpdq_signal_type()]


def vpdq_signal_type() -> Any:
    """threatexchange's `vpdq` signal type: its own class where the `vpdq` package is installed, else one of the
    same name and signal format that needs no FFmpeg (reportal hashes videos itself; an exchange only needs the
    name and the validation)."""
    try:
        from threatexchange.extensions.vpdq.vpdq import VPDQSignal

        return VPDQSignal
    except ImportError:
        pass
    from threatexchange.content_type.video import VideoContent
    from threatexchange.signal_type.signal_base import SimpleSignalType, TrivialSignalTypeIndex

    from reportal.hashes.signals import validate_vpdq

    class CompatVPDQSignal(SimpleSignalType):
        @classmethod
        def get_name(cls) -> str:
            return "vpdq"

        @classmethod
        def get_content_types(cls) -> list[Any]:
            return [VideoContent]

        @classmethod
        def get_index_cls(cls) -> Any:
            return TrivialSignalTypeIndex

        @classmethod
        def validate_signal_str(cls, signal_str: str) -> str:
            try:
                validate_vpdq(signal_str)
            except InvalidSignal as exc:
                raise ValueError(str(exc)) from None
            return signal_str

        @staticmethod
        def get_examples() -> list[str]:
            return []

    return CompatVPDQSignal


def _checkpoint_json(checkpoint: Any) -> Any:
    def encode(value: Any) -> Any:
        if isinstance(value, enum.Enum):
            return value.value
        if isinstance(value, set | frozenset | tuple):
            return [encode(v) for v in value]
        if isinstance(value, list):
            return [encode(v) for v in value]
        if isinstance(value, dict):
            return {str(k): encode(v) for k, v in value.items()}
        return value

    if not dataclasses.is_dataclass(checkpoint) or isinstance(checkpoint, type):
        return None
    return encode(dataclasses.asdict(checkpoint))


def _checkpoint_from_json(api_cls: Any, data: Any) -> Any:
    if not data:
        return None
    try:
        return dacite.from_dict(api_cls.get_checkpoint_cls(), data, config=dacite.Config(cast=[enum.Enum, set, tuple]))
    except (dacite.DaciteError, TypeError, ValueError):
        logger.warning("stored %s checkpoint could not be read; fetching from the start", api_cls.get_name())
        return None


def _key_text(key: Any) -> str:
    return ":".join(str(k) for k in key) if isinstance(key, tuple) else str(key)


def _store_delta(name: str, api: Any, api_cls: Any, bank: Bank, updates: dict[Any, Any]) -> int:
    """Add what the exchange added, disable what it withdrew; returns the number of signals seen."""
    seen = 0
    new_rows: list[ContentSignals] = []
    withdrawn: list[str] = []
    for key, record in updates.items():
        external_id = f"{name}:{_key_text(key)}"[:200]
        if record is None:
            withdrawn.append(external_id)
            continue
        converted = api_cls.naive_convert_to_signal_type(_signal_types(), api.collab, {key: record})
        for signal_type_cls, by_signal in converted.items():
            for signal in by_signal:
                seen += 1
                try:
                    signals = ContentSignals.from_mapping(
                        {canonical_type(signal_type_cls.get_name()): signal},
                        source=name,
                        external_id=external_id,
                        metadata={"exchange": name, "record": str(record)[:500]},
                    )
                except InvalidSignal:
                    continue
                new_rows.append(signals)
    existing = set(
        BankContent.objects.filter(bank=bank, external_id__in=[r.external_id for r in new_rows]).values_list(
            "external_id", "pdq", "md5", "vpdq"
        )
    )
    fresh = [r for r in new_rows if (r.external_id, r.pdq, r.md5, r.vpdq) not in existing]
    if fresh:
        bank_services.add_contents_bulk(bank, fresh)
    if withdrawn:
        if BankContent.objects.filter(bank=bank, external_id__in=withdrawn).update(
            disable_until_ts=BankContent.DISABLED
        ):
            bank_services.bump_version()
    return seen


def fetch_exchange(
    name: str, *, bank_name: str | None = None, progress: Callable[[int], None] | None = None
) -> ExchangeFetchState:
    """Fetch new and withdrawn signals from one configured exchange into its bank, from the last checkpoint."""
    api, api_cls = _client(name)
    bank = bank_services.get_or_create_bank(bank_name or EXCHANGES[name].default_bank)
    state, _created = ExchangeFetchState.objects.get_or_create(exchange=name, bank=bank)
    checkpoint = _checkpoint_from_json(api_cls, state.checkpoint)
    try:
        for delta in api.fetch_iter(_signal_types(), checkpoint):
            with transaction.atomic():
                state.signals_seen += _store_delta(name, api, api_cls, bank, delta.updates)
                state.checkpoint = _checkpoint_json(delta.checkpoint)
                state.last_fetch_at = timezone.now()
                state.last_error = ""
                state.save()
            if progress:
                progress(state.signals_seen)
    except Exception as exc:  # a client error must not lose the stored checkpoint
        state.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        state.save(update_fields=["last_error"])
        raise
    return state
