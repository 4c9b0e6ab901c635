"""Start Debian's BIND (named) or Unbound on a loopback port with a response policy zone, for the RPZ tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dns.message
import dns.query
import dns.rcode
import pytest

RPZ_ZONE = "rpz.reportal"
# The names every test resolves: a local authoritative "test." zone, so unlisted names have real answers.
TEST_ZONE = """$TTL 60
@ IN SOA ns.test. hostmaster.test. (1 3600 600 86400 60)
@ IN NS ns.test.
ns IN A 127.0.0.1
listed IN A 192.0.2.1
www.listed IN A 192.0.2.1
deep.sub.listed IN A 192.0.2.1
unlisted IN A 192.0.2.2
notlisted IN A 192.0.2.3
"""


def require_binary(name: str, package: str) -> str:
    """The path of a DNS server binary. Missing: fail under CI (REPORTAL_REQUIRE_DNS=1), else skip, saying why."""
    path = shutil.which(name) or next((p for p in (f"/usr/sbin/{name}", f"/sbin/{name}") if os.path.exists(p)), None)
    if path:
        return path
    reason = f"{name} is not installed, so this RPZ test could not run: apt-get install -y {package}"
    if os.environ.get("REPORTAL_REQUIRE_DNS") == "1" or os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def free_port() -> int:
    # A port free for both UDP and TCP on loopback.
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp, socket.socket() as tcp:
            udp.bind(("127.0.0.1", 0))
            port = udp.getsockname()[1]
            try:
                tcp.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("No free loopback port for the DNS server.")


def query(port: int, name: str, rdtype: str = "A") -> dns.message.Message:
    request = dns.message.make_query(name, rdtype)  # recursion desired, like a stub resolver
    return dns.query.udp(request, "127.0.0.1", port=port, timeout=2)


def _wait_ready(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"The DNS server exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            if query(port, "unlisted.test").rcode() == dns.rcode.NOERROR:
                return
        except (dns.exception.Timeout, OSError):
            pass
        time.sleep(0.2)
    raise AssertionError(f"The DNS server did not answer within 30 s:\n{log.read_text()[-4000:]}")


@contextmanager
def _running(argv: list[str], port: int, log: Path) -> Iterator[int]:
    with log.open("wb") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_ready(port, process, log)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def bind_with_rpz(rpz: bytes, workdir: Path) -> Iterator[int]:
    named = require_binary("named", "bind9")
    port = free_port()
    (workdir / "rpz.zone").write_bytes(rpz)
    (workdir / "test.zone").write_text(TEST_ZONE)
    conf = workdir / "named.conf"
    conf.write_text(
        f"""
options {{
    directory "{workdir}";
    pid-file "{workdir}/named.pid";
    session-keyfile "{workdir}/session.key";
    managed-keys-directory "{workdir}";
    listen-on port {port} {{ 127.0.0.1; }};
    listen-on-v6 {{ none; }};
    recursion yes;
    allow-query {{ 127.0.0.1; }};
    allow-recursion {{ 127.0.0.1; }};
    dnssec-validation no;
    notify no;
    response-policy {{ zone "{RPZ_ZONE}"; }} recursive-only no qname-wait-recurse no break-dnssec yes;
}};
controls {{ }};
zone "{RPZ_ZONE}" {{ type primary; file "{workdir}/rpz.zone"; allow-query {{ localhost; }}; }};
zone "test" {{ type primary; file "{workdir}/test.zone"; }};
"""
    )
    checkconf = shutil.which("named-checkconf") or "/usr/bin/named-checkconf"
    if os.path.exists(checkconf):
        result = subprocess.run([checkconf, "-z", str(conf)], capture_output=True, text=True, check=False)
        assert result.returncode == 0, f"named-checkconf refused the configuration or the zone:\n{result.stdout}"
    with _running([named, "-g", "-c", str(conf), "-n", "1"], port, workdir / "named.log") as ready:
        yield ready


@contextmanager
def unbound_with_rpz(rpz: bytes, workdir: Path) -> Iterator[int]:
    unbound = require_binary("unbound", "unbound")
    port = free_port()
    (workdir / "rpz.zone").write_bytes(rpz)
    (workdir / "test.zone").write_text(TEST_ZONE)
    conf = workdir / "unbound.conf"
    conf.write_text(
        f"""
server:
    interface: 127.0.0.1
    port: {port}
    do-ip6: no
    do-daemonize: no
    username: ""
    chroot: ""
    directory: "{workdir}"
    pidfile: "{workdir}/unbound.pid"
    use-syslog: no
    logfile: ""
    verbosity: 1
    num-threads: 1
    access-control: 127.0.0.0/8 allow
    module-config: "respip iterator"
    do-not-query-localhost: no
    # Unbound answers NXDOMAIN for the reserved test. names by default; the local zone below serves them instead.
    local-zone: "test." nodefault
auth-zone:
    name: "test."
    zonefile: "{workdir}/test.zone"
    for-downstream: yes
    for-upstream: yes
    fallback-enabled: no
rpz:
    name: "{RPZ_ZONE}."
    zonefile: "{workdir}/rpz.zone"
    rpz-log: yes
"""
    )
    checkconf = shutil.which("unbound-checkconf") or "/usr/sbin/unbound-checkconf"
    if os.path.exists(checkconf):
        result = subprocess.run([checkconf, str(conf)], capture_output=True, text=True, check=False)
        assert result.returncode == 0, f"unbound-checkconf refused the configuration:\n{result.stdout}{result.stderr}"
    with _running([unbound, "-d", "-c", str(conf)], port, workdir / "unbound.log") as ready:
        yield ready
