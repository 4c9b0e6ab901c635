"""Police referral packages (issue 13, item 4): `reportal cases export` and the item page's button seal a confirmed
case (case file, timeline, trace, notices, the evidence still kept) into one archive signed by the hotline and
encrypted to the police unit's age key; `reportal cases verify` checks it with no database."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
from datetime import timedelta
from pathlib import Path

import pyrage
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from reportal.accounts.testing import staff_client
from reportal.actions import package_format
from reportal.actions.package_format import PackageInvalid
from reportal.audit.models import AuditEntry
from reportal.hotline import evidence
from reportal.hotline.models import Evidence
from tests.fakes.items import make_item

from .conftest import synthetic_png

pytestmark = pytest.mark.django_db


@pytest.fixture
def police_key():
    """The police unit's age key pair, as age-keygen would make it."""
    return pyrage.x25519.Identity.generate()


@pytest.fixture
def case(actionable, settings):
    """A confirmed, traced case with notices and two pieces of evidence kept (one of them after its expiry)."""
    settings.REPORTAL_EVIDENCE_STORAGE = True
    settings.REPORTAL_EVIDENCE_DAYS = 30
    item = actionable("police.test")
    kept, expired = synthetic_png(7), synthetic_png(8)
    evidence.store_images(item, [kept, expired], source_url="http://police.test/gallery/pic.png")
    Evidence.objects.filter(item=item, sha256=hashlib.sha256(expired).hexdigest()).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    item.kept_image, item.expired_image = kept, expired
    return item


def _public_key(tmp_path: Path) -> Path:
    out = io.StringIO()
    call_command("cases", "public-key", stdout=out)
    pem = tmp_path / "hotline-signing-key.pem"
    pem.write_text(out.getvalue())
    return pem


def _export(item, police_key, out: Path) -> Path:
    call_command("cases", "export", str(item.pk), "--out", str(out), "--recipient-key", str(police_key.to_public()))
    [archive] = out.glob("*-police-package.tar")
    return archive


def _reportal(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """The installed command in its own process, with no database anywhere (a police workstation)."""
    env = {"REPORTAL_DATA_DIR": str(tmp_path / "no-installation"), "PATH": "/usr/bin:/bin"}
    argv = [sys.executable, "-m", "reportal.cli", *args]
    return subprocess.run(argv, capture_output=True, text=True, env=env, check=False, timeout=300)


def test_export_then_verify_through_the_reportal_command(case, police_key, tmp_path):
    archive = _export(case, police_key, tmp_path / "out")
    pem = _public_key(tmp_path)
    identity = tmp_path / "police.agekey"
    identity.write_text(f"# public key: {police_key.to_public()}\n{police_key}\n")
    reference = f"SV-{case.pk:07d}"
    assert archive.name == f"{reference}-police-package.tar"

    signature_only = _reportal("cases", "verify", str(archive), "--public-key", str(pem), tmp_path=tmp_path)
    assert signature_only.returncode == 0, signature_only.stderr
    assert "GOOD signature" in signature_only.stdout and reference in signature_only.stdout
    assert "Contents not opened: add --identity" in signature_only.stdout

    opened = _reportal(
        "cases", "verify", str(archive), "--public-key", str(pem), "--identity", str(identity), tmp_path=tmp_path
    )
    assert opened.returncode == 0, opened.stderr
    kept_sha = hashlib.sha256(case.kept_image).hexdigest()
    assert f"evidence/{kept_sha}.png  sha256 {kept_sha}" in opened.stdout
    assert "case.json" in opened.stdout and "case.html" in opened.stdout
    assert not (tmp_path / "no-installation").exists()  # verify made no data directory, needed no database


def test_the_evidence_is_inside_and_matches_its_hashes(case, police_key, tmp_path):
    archive = _export(case, police_key, tmp_path)
    data = archive.read_bytes()
    assert case.kept_image not in data and case.kept_image[100:164] not in data  # encrypted on disk

    result = package_format.verify(data, Path(_public_key(tmp_path)).read_bytes(), [police_key])
    kept_sha = hashlib.sha256(case.kept_image).hexdigest()
    assert result.contents is not None
    assert result.contents[f"evidence/{kept_sha}.png"] == case.kept_image
    assert not any(hashlib.sha256(case.expired_image).hexdigest() in name for name in result.contents)  # expired

    case_file = json.loads(result.contents["case.json"])
    # The gallery picture kept at confirmation, and the one stored since; not the expired one.
    assert {r["sha256"] for r in case_file["evidence"]} == {
        hashlib.sha256(synthetic_png(1)).hexdigest(),
        kept_sha,
    }
    [row] = [r for r in case_file["evidence"] if r["sha256"] == kept_sha]
    assert row["md5"] == hashlib.md5(case.kept_image).hexdigest()  # noqa: S324 - the digest police hash sets use
    assert row["sha1"] == hashlib.sha1(case.kept_image).hexdigest()  # noqa: S324
    assert case_file["case"]["reference"] == f"SV-{case.pk:07d}"
    assert case_file["case"]["traces"] and case_file["case"]["notices"]
    notice_reference = case_file["case"]["notices"][0]["reference"]

    html = result.contents["case.html"].decode()
    for fact in (f"SV-{case.pk:07d}", case.canonical_url, kept_sha, row["md5"], notice_reference, "Timeline"):
        assert fact in html
    assert "<script" not in html and "http-equiv" not in html and "<img" not in html


def test_tampering_with_any_byte_fails_verify(case, police_key, tmp_path):
    data = _export(case, police_key, tmp_path).read_bytes()
    pem = _public_key(tmp_path).read_bytes()
    package_format.verify(data, pem, [police_key])
    # Every byte of every tar header, of the manifest, signature and README, a stride through the encrypted payload,
    # and a stride through the end-of-archive padding (checked as one block, like the other framing).
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        members = tar.getmembers()
    headers = {i for m in members for i in range(m.offset, m.offset + 512)}
    small_files = {i for m in members if m.name != "case.tar.age" for i in range(m.offset_data, m.offset_data + m.size)}
    end = members[-1].offset_data + members[-1].size
    offsets = sorted(headers | small_files | set(range(0, len(data), 41)) | set(range(end, len(data), 13)))
    undetected = []
    for offset in offsets:
        changed = bytearray(data)
        changed[offset] ^= 0x01
        try:
            package_format.verify(bytes(changed), pem)
        except PackageInvalid:
            continue
        undetected.append(offset)
    assert undetected == [], f"changes at these offsets passed verify: {undetected[:20]}"
    with pytest.raises(PackageInvalid, match="added data|outside the signed files"):
        package_format.verify(data + b"\0" * 512, pem)

    tampered = tmp_path / "tampered.tar"
    changed = bytearray(data)
    changed[len(data) // 2] ^= 0x80  # inside the encrypted payload
    tampered.write_bytes(bytes(changed))
    pem_file = tmp_path / "key.pem"
    pem_file.write_bytes(pem)
    run = _reportal("cases", "verify", str(tampered), "--public-key", str(pem_file), tmp_path=tmp_path)
    assert run.returncode != 0
    assert "Verification FAILED" in run.stderr
    assert "case.tar.age does not match its SHA-256 in the signed MANIFEST.json" in run.stderr
    assert "Ask the hotline for a fresh copy" in run.stderr


def test_a_changed_manifest_or_signature_names_the_signature(case, police_key, tmp_path):
    data = _export(case, police_key, tmp_path).read_bytes()
    pem = _public_key(tmp_path).read_bytes()
    start = data.index(b'"reference"')
    changed = bytearray(data)
    changed[start + 15] ^= 0x01  # a digit of the reference inside MANIFEST.json
    with pytest.raises(PackageInvalid, match="signature of MANIFEST.json does not match the public key you gave"):
        package_format.verify(bytes(changed), pem)


def test_the_wrong_key_fails(case, police_key, tmp_path):
    data = _export(case, police_key, tmp_path).read_bytes()
    other_pem = (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(PackageInvalid, match="signed with another key"):
        package_format.verify(data, other_pem)
    pem = _public_key(tmp_path).read_bytes()
    with pytest.raises(PackageInvalid, match="The identity you gave cannot open case.tar.age"):
        package_format.verify(data, pem, [pyrage.x25519.Identity.generate()])

    wrong = tmp_path / "other.pem"
    wrong.write_bytes(other_pem)
    archive = tmp_path / "p.tar"
    archive.write_bytes(data)
    run = _reportal("cases", "verify", str(archive), "--public-key", str(wrong), tmp_path=tmp_path)
    assert run.returncode != 0 and "Verification FAILED" in run.stderr and "hotline's published" in run.stderr


def test_standard_tools_check_the_signature(case, police_key, tmp_path):
    """README.txt's recipe: tar and openssl alone check the hotline's signature (no reportal needed)."""
    archive = _export(case, police_key, tmp_path / "out")
    pem = _public_key(tmp_path)
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path / "x", filter="data")
    folder = tmp_path / "x"
    (folder / "sig.bin").write_bytes(base64.b64decode((folder / "MANIFEST.json.sig").read_bytes()))
    argv = ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(pem), "-rawin"]
    run = subprocess.run(
        [*argv, "-in", str(folder / "MANIFEST.json"), "-sigfile", str(folder / "sig.bin")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0 and "Signature Verified Successfully" in run.stdout, run.stderr
    manifest = json.loads((folder / "MANIFEST.json").read_text())
    payload = (folder / "case.tar.age").read_bytes()
    assert {f["name"]: f["sha256"] for f in manifest["files"]}["case.tar.age"] == hashlib.sha256(payload).hexdigest()
    assert payload.startswith(b"age-encryption.org/v1\n")


def test_the_reference_age_tool_opens_the_package(case, tmp_path):
    """A police unit with only Debian's `age` tools: a key from age-keygen, the payload decrypted by `age -d` (to a
    pipe, not to disk), and every file inside matching the signed inner manifest."""
    if not shutil.which("age") or not shutil.which("age-keygen"):
        pytest.skip("Debian's age package is missing (scripts/install-system-deps.sh installs it).")
    key = tmp_path / "unit.agekey"
    subprocess.run(["age-keygen", "-o", str(key)], check=True, capture_output=True)
    public = next(line.split(": ", 1)[1] for line in key.read_text().splitlines() if line.startswith("# public key"))
    call_command("cases", "export", str(case.pk), "--out", str(tmp_path / "out"), "--recipient-key", public)
    [archive] = (tmp_path / "out").glob("*.tar")
    with tarfile.open(archive) as outer:
        payload = outer.extractfile("case.tar.age").read()
    opened = subprocess.run(["age", "-d", "-i", str(key)], input=payload, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(opened)) as inner:
        files = {m.name: inner.extractfile(m).read() for m in inner.getmembers()}
    manifest = json.loads(files["manifest.json"])
    assert [f["name"] for f in manifest["files"]][:2] == ["case.json", "case.html"]
    for listed in manifest["files"]:
        assert hashlib.sha256(files[listed["name"]]).hexdigest() == listed["sha256"]
    assert files[f"evidence/{hashlib.sha256(case.kept_image).hexdigest()}.png"] == case.kept_image


def test_export_of_many_items_shows_progress_and_audits_each(actionable, police_key, tmp_path, capsys):
    first, second = actionable("one.test", path="/one"), actionable("two.test", path="/two")
    recipients_file = tmp_path / "recipients.txt"  # as `age -R` reads them: one public key a line, # comments
    recipients_file.write_text(f"# police unit\n{police_key.to_public()}\n")
    call_command(
        "cases",
        "export",
        str(first.pk),
        f"SV-{second.pk:07d}",
        "--out",
        str(tmp_path / "out"),
        "--recipient-key",
        str(recipients_file),
    )
    captured = capsys.readouterr()
    assert "Sealing police packages" in captured.err
    assert len(list((tmp_path / "out").glob("*.tar"))) == 2
    assert captured.out.count(f"encrypted for: {police_key.to_public()}") == 2
    entries = AuditEntry.objects.filter(action="actions.export_police_package").order_by("seq")
    assert [e.object_id for e in entries] == [str(first.pk), str(second.pk)]
    assert all(e.details["via"] == "reportal cases export" and e.details["package_sha256"] for e in entries)


def test_export_errors_say_what_to_do(case, police_key, tmp_path, settings):
    tmp_path = tmp_path / "packages"
    settings.REPORTAL_POLICE_RECIPIENTS = []
    with pytest.raises(CommandError, match="give --recipient-key age1"):
        call_command("cases", "export", str(case.pk), "--out", str(tmp_path))
    with pytest.raises(CommandError, match="not a recipient key"):
        call_command("cases", "export", str(case.pk), "--out", str(tmp_path), "--recipient-key", "age1nope")
    key = str(police_key.to_public())
    with pytest.raises(CommandError, match="There is no item 999999: check the number"):
        call_command("cases", "export", "999999", "--out", str(tmp_path), "--recipient-key", key)
    waiting = make_item("http://waiting.test/page", case.portal)
    with pytest.raises(CommandError, match="not a confirmed case"):
        call_command("cases", "export", str(waiting.pk), "--out", str(tmp_path), "--recipient-key", key)
    call_command("cases", "export", str(case.pk), "--out", str(tmp_path), "--recipient-key", key)
    with pytest.raises(CommandError, match="already exist.*move them away or choose another --out"):
        call_command("cases", "export", str(case.pk), "--out", str(tmp_path), "--recipient-key", key)
    assert list(tmp_path.iterdir()) == [tmp_path / f"SV-{case.pk:07d}-police-package.tar"]  # no temporary left


def test_each_portal_s_police_read_only_their_portal_s_packages(case, settings, tmp_path):
    """`gt=age1...` entries hold for that portal's cases only; a bare `age1...` for every portal."""
    own, other, everywhere = (pyrage.x25519.Identity.generate() for _ in range(3))
    settings.REPORTAL_POLICE_RECIPIENTS = [
        f"{case.portal.slug}={own.to_public()}",
        f"gt={other.to_public()}",
        str(everywhere.to_public()),
    ]
    call_command("cases", "export", str(case.pk), "--out", str(tmp_path / "out"))
    [archive] = (tmp_path / "out").glob("*.tar")
    pem = _public_key(tmp_path).read_bytes()
    for reader in (own, everywhere):
        assert package_format.verify(archive.read_bytes(), pem, [reader]).contents
    with pytest.raises(PackageInvalid, match="cannot open"):
        package_format.verify(archive.read_bytes(), pem, [other])
    settings.REPORTAL_POLICE_RECIPIENTS = [f"gt={other.to_public()}"]
    client, _user = staff_client("police-portal", "admin")
    assert "Police packages are off for this portal" in client.get(f"/workbench/items/{case.pk}/").content.decode()


def test_verify_errors_say_what_to_do(tmp_path):
    pem = tmp_path / "k.pem"
    pem.write_bytes(
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"not a tar at all" * 100)
    with pytest.raises(CommandError, match="1 of 1 package"):
        call_command("cases", "verify", str(junk), "--public-key", str(pem))
    with pytest.raises(CommandError, match="is not a file: give the hotline's public key"):
        call_command("cases", "verify", str(junk), "--public-key", str(tmp_path / "missing.pem"))
    with pytest.raises(CommandError, match="age secret key file"):
        call_command("cases", "verify", str(junk), "--public-key", str(pem), "--identity", "nope")


# --- the item page's button -------------------------------------------------------------------------------------


def test_senior_and_admin_download_the_package_from_the_item_page_and_it_is_audited(
    case, police_key, settings, tmp_path
):
    settings.REPORTAL_POLICE_RECIPIENTS = [str(police_key.to_public())]
    pem = _public_key(tmp_path).read_bytes()
    for role in ("senior", "admin"):
        client, user = staff_client(f"police-{role}", role)
        page = client.get(f"/workbench/items/{case.pk}/").content.decode()
        assert "Download the police package" in page and f"/workbench/removal/case/{case.pk}/police-package" in page
        response = client.post(f"/workbench/removal/case/{case.pk}/police-package")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/x-tar"
        assert f'filename="SV-{case.pk:07d}-police-package.tar"' in response["Content-Disposition"]
        result = package_format.verify(response.content, pem, [police_key])
        assert result.contents is not None
        assert sorted(result.contents) == sorted(
            ["case.json", "case.html", *(f"evidence/{e.sha256}.png" for e in evidence.kept(case))]
        )
        assert len(evidence.kept(case)) == 2
        entry = AuditEntry.objects.filter(action="actions.export_police_package", actor_name=user.get_username()).get()
        assert entry.object_id == str(case.pk) and entry.details["via"] == "item page"
        assert entry.details["package_sha256"] == hashlib.sha256(response.content).hexdigest()


def test_roles_without_permission_get_403_and_see_no_button(case, police_key, settings):
    settings.REPORTAL_POLICE_RECIPIENTS = [str(police_key.to_public())]
    for role, portals in (("analyst", ()), ("partner", (case.portal,))):
        client, _user = staff_client(f"no-police-{role}", role, portals)
        page = client.get(f"/workbench/items/{case.pk}/")
        assert page.status_code == 200
        assert "police-package" not in page.content.decode() and "Police referral" not in page.content.decode()
        assert client.post(f"/workbench/removal/case/{case.pk}/police-package").status_code == 403
    assert not AuditEntry.objects.filter(action="actions.export_police_package").exists()
    assert AuditEntry.objects.filter(
        action="access.denied", details__path=f"/workbench/removal/case/{case.pk}/police-package"
    )


def test_without_a_recipient_key_the_button_says_packages_are_off(case, settings):
    settings.REPORTAL_POLICE_RECIPIENTS = []
    client, _user = staff_client("police-off", "admin")
    page = client.get(f"/workbench/items/{case.pk}/").content.decode()
    assert "Police packages are off" in page and "Download the police package" not in page
    response = client.post(f"/workbench/removal/case/{case.pk}/police-package", follow=True)
    assert "Ask the operator to set REPORTAL_POLICE_RECIPIENTS" in response.content.decode()
    assert AuditEntry.objects.filter(action="actions.police_package_refused").exists()
