"""Police referral packages: one signed, encrypted archive per confirmed case, for `reportal cases export` and the
item page's button. The case file (casefile.case_record) as JSON and as print-ready HTML with its timeline, and the
evidence still kept under the retention setting, are put together in memory, signed with the hotline's key and
encrypted to the police unit's age key (package_format). Nothing unencrypted is written anywhere. Audited.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from reportal.actions import casefile, package_format
from reportal.actions.models import DeliveryState, NoticeKind
from reportal.actions.package_format import PackageError, PackageFile
from reportal.actions.signals import KeptEvidence, kept_evidence
from reportal.audit.services import record as audit
from reportal.lists import services as lists
from reportal.net.sniff import sniff_bytes
from reportal.reports.services import ItemStatus

CONFIRMED_STATUSES = frozenset({ItemStatus.ACTIONABLE, ItemStatus.ACTION_TAKEN, ItemStatus.REMOVED})
CASE_FORMAT = "reportal-case-file/1"


@dataclass(frozen=True)
class PolicePackage:
    reference: str
    filename: str
    data: bytes  # the sealed archive: signed and encrypted, safe to write to disk or send
    sha256: str
    evidence_count: int
    recipients: list[str]
    signing_key: str


def configured_recipients(item: Any) -> list[str]:
    """The age public keys that `item`'s package is encrypted to, from REPORTAL_POLICE_RECIPIENTS: entries `age1...`
    for every portal, and `<portal slug>=age1...` for that portal's cases only (one country's police do not read
    another's). Empty: packages are off for this portal."""
    found: list[str] = []
    for entry in getattr(settings, "REPORTAL_POLICE_RECIPIENTS", []):
        portal, separator, key = str(entry).strip().rpartition("=")
        if key and (not separator or portal.strip().lower() == item.portal.slug.lower()):
            found.append(key.strip())
    return found


def filename_for(item: Any) -> str:
    return f"{casefile.reference_of(item)}-police-package.tar"


def may_package(item: Any) -> bool:
    """Only a confirmed case goes to the police (not one waiting for assessment, nor one overturned)."""
    return item.status in CONFIRMED_STATUSES


def build(item: Any, *, recipients: list[str], actor: Any | None, via: str) -> PolicePackage:
    """Seal the case of `item` for `recipients` (age1... keys) and audit who made it. Raises PackageError with a
    message that says what to do (not confirmed, a bad recipient key, evidence that no longer matches its hash)."""
    reference = casefile.reference_of(item)
    if not may_package(item):
        raise PackageError(
            _("%(reference)s is not a confirmed case (status: %(status)s): assess it as actionable first.")
            % {"reference": reference, "status": item.get_status_display()}
        )
    parsed = package_format.parse_recipients(recipients)
    if not parsed:
        raise PackageError(_("No police recipient key is set: give the police unit's age public key (age1...)."))
    created_at = timezone.now().replace(microsecond=0)
    made_by = _made_by(actor, via)
    public_pem = lists.signing_public_key_pem()
    signer = package_format.Signer(sign=lists.sign_detached, public_key_pem=public_pem)
    fingerprint = package_format.key_fingerprint(public_pem)
    evidence = kept_evidence(item)
    evidence_files = [_evidence_file(reference, e) for e in evidence]
    record = casefile.case_record(item)
    rows = [_evidence_row(e, f) for e, f in zip(evidence, evidence_files, strict=True)]
    hotline = str(getattr(settings, "REPORTAL_HOTLINE_NAME", ""))
    package_facts: dict[str, Any] = {
        "reference": reference,
        "created_at": created_at.isoformat(),
        "made_by": made_by,
        "hotline": hotline,
        "signing_key": fingerprint,
        "recipients": recipients,
    }
    case = {
        "format": CASE_FORMAT,
        "package": package_facts,
        "case": record,
        "evidence_storage": {
            "enabled": bool(settings.REPORTAL_EVIDENCE_STORAGE),
            "days": settings.REPORTAL_EVIDENCE_DAYS,
        },
        "evidence": rows,
    }
    html = render_to_string(
        "actions/police_package/case.html",
        {
            "package": package_facts,
            "case": record,
            "timeline": timeline(record, rows),
            "status_label": dict(ItemStatus.choices).get(record["status"], record["status"]),
            "notices": [
                {
                    **n,
                    "kind_label": dict(NoticeKind.choices).get(n["kind"], n["kind"]),
                    "state_label": dict(DeliveryState.choices).get(n["state"], n["state"]),
                }
                for n in record["notices"]
            ],
            "evidence": rows,
            "evidence_storage": case["evidence_storage"],
        },
    )
    files = [
        PackageFile("case.json", casefile.json_bytes(case), "application/json"),
        PackageFile("case.html", html.encode(), "text/html; charset=utf-8"),
        *evidence_files,
    ]
    data = package_format.seal(
        reference,
        files,
        recipients=parsed,
        recipient_names=recipients,
        signer=signer,
        created_at=created_at,
        readme=_readme(reference, filename_for(item), fingerprint, hotline),
        hotline=hotline,
    )
    package = PolicePackage(
        reference=reference,
        filename=filename_for(item),
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        evidence_count=len(evidence_files),
        recipients=recipients,
        signing_key=fingerprint,
    )
    audit(
        actor,
        "actions.export_police_package",
        item,
        portal_id=item.portal_id,
        via=via,
        reference=reference,
        package_sha256=package.sha256,
        recipients=recipients,
        evidence_sha256=[row["sha256"] for row in rows],
    )
    return package


def _made_by(actor: Any | None, via: str) -> str:
    if actor is not None and getattr(actor, "is_authenticated", False):
        return f"{actor.get_username()} ({via})"
    return via


def _evidence_file(reference: str, kept: KeptEvidence) -> PackageFile:
    actual = hashlib.sha256(kept.data).hexdigest()
    if actual != kept.sha256:
        raise PackageError(
            _(
                "Evidence %(sha256)s of %(reference)s no longer matches the hash recorded when it was stored: the "
                "evidence store is damaged. Nothing was exported; tell the operator."
            )
            % {"sha256": kept.sha256, "reference": reference}
        )
    content_type = kept.content_type or sniff_bytes(kept.data) or "application/octet-stream"
    extension = mimetypes.guess_extension(content_type) or ".bin"
    return PackageFile(f"evidence/{kept.sha256}{extension}", kept.data, content_type)


def _evidence_row(kept: KeptEvidence, file: PackageFile) -> dict[str, Any]:
    """What the case file says of one piece of evidence: the usual hash sets' digests of the same bytes."""
    return {
        "file": file.name,
        "content_type": file.content_type,
        "size": len(kept.data),
        "sha256": kept.sha256,
        "sha1": hashlib.sha1(kept.data, usedforsecurity=False).hexdigest(),
        "md5": hashlib.md5(kept.data, usedforsecurity=False).hexdigest(),
        "source_url": kept.source_url,
        "stored_at": kept.stored_at.isoformat(),
        "expires_at": kept.expires_at.isoformat(),
    }


@dataclass(frozen=True)
class TimelineEntry:
    at: str
    what: str
    detail: str


def timeline(record: dict[str, Any], evidence: list[dict[str, Any]]) -> list[TimelineEntry]:
    """Every dated fact of the case in one list, oldest first: reports, status changes, traces, notices, evidence."""
    entries = [TimelineEntry(record["first_reported_at"], _("First reported"), record["url"])]
    for change in record["status_history"]:
        entries.append(TimelineEntry(change["at"], _("Status changed"), _status_detail(change)))
    for trace in record["traces"]:
        where = ", ".join(part for part in (trace["hosting_country"], trace["hosting_network"]) if part)
        entries.append(TimelineEntry(trace["at"], _("Hosting traced"), where or trace["error"] or "—"))
    kinds = dict(NoticeKind.choices)
    for notice in record["notices"]:
        kind = str(kinds.get(notice["kind"], notice["kind"]))
        entries.append(TimelineEntry(notice["created_at"], _("Notice prepared"), f"{kind} · {notice['reference']}"))
        if notice["sent_at"]:
            entries.append(TimelineEntry(notice["sent_at"], _("Notice sent"), f"{kind} · {', '.join(notice['to'])}"))
    for row in evidence:
        entries.append(TimelineEntry(row["stored_at"], _("Evidence stored"), row["sha256"]))
    if record["removed_at"]:
        entries.append(TimelineEntry(record["removed_at"], _("Content removed"), ""))
    return sorted((e for e in entries if e.at), key=lambda e: _moment(e.at))


def _status_detail(change: dict[str, Any]) -> str:
    labels = dict(ItemStatus.choices)
    went_to = str(labels.get(change["to"], change["to"]))
    return f"{went_to} · {change['reason']}" if change["reason"] else went_to


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _readme(reference: str, filename: str, fingerprint: str, hotline: str) -> str:
    """How to check and open the package, for the police's technical staff; also with standard tools only."""
    return f"""Police referral package {reference}{f" from {hotline}" if hotline else ""}.

This file ({filename}) is a tar archive. It was signed by the hotline's Ed25519 key {fingerprint}
and its case file and evidence are encrypted with age (https://age-encryption.org/v1) to your unit's key.

Check it and read it without writing anything unencrypted to disk (reportal, no database needed):
  reportal cases verify {filename} --public-key hotline-signing-key.pem --identity your-unit.agekey

Or with standard tools:
  1. tar xf {filename}
  2. Check the signature of MANIFEST.json (OpenSSL 3):
       base64 -d MANIFEST.json.sig > MANIFEST.sig.bin
       openssl pkeyutl -verify -pubin -inkey hotline-signing-key.pem -rawin -in MANIFEST.json -sigfile MANIFEST.sig.bin
  3. sha256sum README.txt case.tar.age   (must equal the values in MANIFEST.json)
  4. On an evidence workstation only (this writes the evidence unencrypted):
       age -d -i your-unit.agekey -o case.tar case.tar.age && tar xf case.tar
     manifest.json lists the SHA-256 of every file inside; manifest.json.sig is the hotline's signature of it.
     case.html is the printable case file; case.json the same facts for your systems; evidence/ the files.
"""
