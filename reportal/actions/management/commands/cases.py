"""`reportal cases ...`: police referral packages. `export` seals confirmed cases (database needed); `verify` checks a
package with nothing but the file and the hotline's public key (no database: reportal/cli.py lets it run anywhere)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reportal.actions import package_format
from reportal.actions.package_format import PackageError, PackageInvalid

REFERENCE = re.compile(r"^(?P<portal>[A-Za-z][A-Za-z0-9-]*)-(?P<number>[0-9]+)$")


class Command(BaseCommand):
    help = "Police referral packages: export confirmed cases as signed, encrypted archives; verify an archive."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        export = sub.add_parser("export", help="One signed, encrypted package per case (item number or reference).")
        export.add_argument("items", nargs="+", metavar="ITEM", help="Item number (12) or case reference (GT-0000012).")
        export.add_argument("--out", default=".", help="Folder for the packages (made if missing; default: here).")
        export.add_argument(
            "--recipient-key",
            action="append",
            default=[],
            dest="recipients",
            metavar="PUBKEY",
            help="The police unit's age public key (age1...), or a file of them, one a line; may be repeated "
            "(default: REPORTAL_POLICE_RECIPIENTS).",
        )

        verify = sub.add_parser(
            "verify", help="Check a package's signature and hashes; decrypt in memory with --identity."
        )
        verify.add_argument("archives", nargs="+", metavar="ARCHIVE")
        verify.add_argument("--public-key", required=True, help="The hotline's signing key (PEM file) as published.")
        verify.add_argument(
            "--identity",
            default=None,
            metavar="KEY",
            help="The police unit's age secret key file (age-keygen): also decrypt in memory, check every file.",
        )

        sub.add_parser("public-key", help="Print the public key that signs the packages (PEM), to give to the police.")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"do_{options['action'].replace('-', '_')}")(options)

    # --- export -------------------------------------------------------------------------------------------------

    def do_export(self, options: dict[str, Any]) -> None:
        from reportal.actions import police_package
        from reportal.progress import Progress

        given = _recipients(options["recipients"])
        items = [_item(value) for value in options["items"]]
        recipients: dict[int, list[str]] = {}
        for item in items:
            if not police_package.may_package(item):
                raise CommandError(
                    f"{_reference(item)} is not a confirmed case (status: {item.status}); only confirmed cases go to "
                    "the police. Leave it out, or assess it first. Nothing was exported."
                )
            recipients[item.pk] = given or police_package.configured_recipients(item)
            if not recipients[item.pk]:
                raise CommandError(
                    f"No recipient key for {_reference(item)}: give --recipient-key age1... (the police unit's age "
                    f"public key, from age-keygen) or set REPORTAL_POLICE_RECIPIENTS (age1..., or "
                    f"{item.portal.slug}=age1... for this portal only). Nothing was exported."
                )
            try:
                package_format.parse_recipients(recipients[item.pk])
            except PackageError as exc:
                raise CommandError(f"{exc} Nothing was exported.") from exc
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        targets = [out / police_package.filename_for(item) for item in items]
        existing = [str(t) for t in targets if t.exists()]
        if existing:
            raise CommandError(
                f"{', '.join(existing)} already exist(s): move them away or choose another --out. Nothing was exported."
            )
        written: list[tuple[Path, police_package.PolicePackage]] = []
        with Progress("Sealing police packages", total=len(items), unit="cases") as bar:
            for done, (item, target) in enumerate(zip(items, targets, strict=True), start=1):
                try:
                    package = police_package.build(
                        item, recipients=recipients[item.pk], actor=None, via="reportal cases export"
                    )
                except PackageError as exc:
                    raise CommandError(f"{exc} {len(written)} package(s) were written before this one.") from exc
                _write_new(target, package.data)
                written.append((target, package))
                bar.update(done, detail=package.reference)
        for target, package in written:
            self.stdout.write(
                f"{target}  {package.reference}  sha256 {package.sha256}  evidence files: {package.evidence_count}  "
                f"encrypted for: {', '.join(package.recipients)}"
            )
        self.stdout.write(
            f"Signed with {written[0][1].signing_key}.\n"
            "Give the police the hotline's public key (`reportal cases public-key`) with the packages; they check them "
            "with `reportal cases verify ARCHIVE --public-key KEY.pem --identity THEIR.agekey`."
        )

    # --- verify -------------------------------------------------------------------------------------------------

    def do_verify(self, options: dict[str, Any]) -> None:
        key_path = Path(options["public_key"])
        if not key_path.is_file():
            raise CommandError(f"{key_path} is not a file: give the hotline's public key (PEM) as published.")
        identities = None
        if options["identity"]:
            identities = _identities(options["identity"])
        failed = 0
        for name in options["archives"]:
            path = Path(name)
            if not path.is_file():
                self.stderr.write(f"{name}: not a file. Give the path of the .tar package the hotline sent.")
                failed += 1
                continue
            try:
                result = package_format.verify(path.read_bytes(), key_path.read_bytes(), identities)
            except PackageError as exc:
                raise CommandError(str(exc)) from exc
            except PackageInvalid as exc:
                self.stderr.write(f"{name}: Verification FAILED. {exc}")
                failed += 1
                continue
            self._report(name, result)
        if failed:
            raise CommandError(f"{failed} of {len(options['archives'])} package(s) failed verification (see above).")

    def _report(self, name: str, result: package_format.Verified) -> None:
        write = self.stdout.write
        write(f"{name}: GOOD signature by {result.signing_key} on case {result.reference}, made {result.created_at}.")
        for listed in result.files:
            write(f"  {listed.name}  sha256 {listed.sha256}  matches")
        write(f"  encrypted for: {', '.join(result.recipients)}")
        if result.contents is None:
            write("  Contents not opened: add --identity (the police unit's age secret key) to decrypt them in memory.")
            return
        write(f"  decrypted in memory; {len(result.contents_files)} files, each matches the signed manifest.json:")
        for listed in result.contents_files:
            write(f"    {listed.name}  sha256 {listed.sha256}  ({listed.size} bytes)")

    def do_public_key(self, options: dict[str, Any]) -> None:
        from reportal.lists import services as lists

        self.stdout.write(lists.signing_public_key_pem().decode(), ending="")


def _recipients(values: list[str]) -> list[str]:
    found: list[str] = []
    for value in values:
        path = Path(value)
        if not value.startswith(("age1", "ssh-")) and path.is_file():
            lines = path.read_text().splitlines()
            found.extend(line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#"))
        elif value.strip():
            found.append(value.strip())
    return found


def _identities(value: str) -> list[package_format.Identity]:
    path = Path(value)
    if path.is_file():
        text = path.read_text()
    elif value.startswith("AGE-SECRET-KEY-"):
        text = value
    else:
        raise CommandError(f"{value} is not a file: give the police unit's age secret key file (from age-keygen).")
    try:
        return package_format.parse_identities(text)
    except PackageError as exc:
        raise CommandError(str(exc)) from exc


def _reference(item: Any) -> str:
    from reportal.actions.casefile import reference_of

    return reference_of(item)


def _item(value: str) -> Any:
    """An item by number (12) or by case reference (GT-0000012, as notices and packages quote it)."""
    from reportal.reports.services import get_item

    match = REFERENCE.match(value.strip())
    number = match.group("number") if match else value.strip()
    if not number.isdigit():
        raise CommandError(f"{value!r} is neither an item number nor a case reference like GT-0000012.")
    item = get_item(int(number))
    if item is None or (match and item.portal.slug.lower() != match.group("portal").lower()):
        raise CommandError(
            f"There is no item {value}: check the number on the item page (or the reference in a notice). "
            "Nothing was exported."
        )
    return item


def _write_new(target: Path, data: bytes) -> None:
    """Write the sealed (encrypted) package under a temporary name, then rename: no half-written package remains."""
    tmp = target.with_name(f".{target.name}.part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
