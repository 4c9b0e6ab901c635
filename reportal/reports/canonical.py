"""Canonical form of a reported web address: one spelling per resource, so duplicates meet in one queue item.

The steps, in order: unwrap (whitespace, quotes, angle brackets), re-fang (`hxxp`, `[.]`, ...), add a missing
scheme (http), accept only http and https, drop user info and fragment, normalise the host (case, trailing dot,
percent-escapes, IDNA/UTS 46, numeric IPv4 spellings), drop default ports, normalise path and query with
`url-normalize` (percent-encoding, dot segments, empty path to "/"), drop tracking parameters, and refuse hosts
that are not on the public internet.

User info (`user:password@`) is dropped: it does not name a different resource, phishing links use it to
disguise the host, and the address exactly as submitted is kept beside the item (ReportUrl.submitted_url) for
the analyst who needs it.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import unquote

import idna
from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from url_normalize.normalize_path import normalize_path
from url_normalize.normalize_query import process_query_param

MAX_LENGTH = 2048
ALLOWED_SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}

# Click identifiers and campaign tags: they say who shared a link, not what it points to.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "mc_eid", "mc_cid", "igshid",
        "igsh", "yclid", "ysclid", "twclid", "ttclid", "li_fat_id", "epik", "_ga", "_gl", "_hsenc", "_hsmi",
        "__hssc", "__hstc", "__hsfp", "hsctatracking", "mkt_tok", "oly_anon_id", "oly_enc_id", "vero_id",
        "vero_conv", "wickedid", "rb_clickid", "s_cid", "srsltid", "_openstat", "spm",
    }
)
TRACKING_PREFIXES = ("utm_",)

# Names that never leave the local machine or network (RFC 6761, RFC 6762, RFC 8375, ICANN's .internal).
PRIVATE_NAME_SUFFIXES = ("localhost", "local", "internal", "home.arpa", "localdomain")

MESSAGES: dict[str, Promise] = {
    "empty": _("Enter a web address."),
    "too_long": _("This web address is longer than 2,048 characters. Shorten it to the part that shows the content."),
    "not_an_address": _("This is not a web address. Copy it from the browser's address bar, for example "
                        "https://www.example.com/page."),
    "scheme": _("Only web addresses that start with http:// or https:// can be reported."),
    "port": _("The port number in this web address is not valid. Check the part after the colon."),
    "private": _("This address points to a private or local network, not the public internet. Report the "
                 "address that other people can open."),
}

_SPACE = " \t\r\n\f\v\u00a0\u200b\u2060\ufeff"
# Quotes and brackets that people and mail clients put around an address (opening, closing).
_PAIRS = {'"': '"', "'": "'", "`": "`", "<": ">", "\u201c": "\u201d", "\u201e": "\u201c", "\u2018": "\u2019",
          "\u00ab": "\u00bb", "\u2039": "\u203a", "(": ")"}
_DEFANGS = (
    (re.compile(r"\[\s*:\s*/\s*/\s*\]|\[://\]"), "://"),
    (re.compile(r"\[\s*:\s*\]|\(\s*:\s*\)"), ":"),
    (re.compile(r"\[\s*\.\s*\]|\(\s*\.\s*\)|\{\s*\.\s*\}|\[dot\]|\(dot\)|\{dot\}", re.IGNORECASE), "."),
    (re.compile(r"\[\s*/\s*\]"), "/"),
)
_DEFANGED_SCHEME = re.compile(r"^h(?:xx|XX|xX|Xx|\*\*|tt)p(s?)(?=\[?:)", re.IGNORECASE)
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):(.*)$", re.DOTALL)
_PORT_AFTER_COLON = re.compile(r"^(?:\d+(?:[/?#\\]|$)|$)")
_LABEL = re.compile(r"^[a-z0-9_\-]{1,63}$")
_DOTS = re.compile("[.\u3002\uff0e\uff61]")
_BRACKETS = str.maketrans({"[": "%5B", "]": "%5D", "(": "%28", ")": "%29"})
_HEX = re.compile(r"^0x[0-9a-f]*$")
_OCTAL = re.compile(r"^0[0-7]+$")
_DECIMAL = re.compile(r"^[0-9]+$")
# Schemes that are addresses, just not web addresses: say so rather than "not an address".
OTHER_SCHEMES = frozenset(
    {
        "ftp", "ftps", "sftp", "file", "data", "javascript", "vbscript", "mailto", "tel", "sms", "about", "blob",
        "chrome", "view-source", "ws", "wss", "magnet", "irc", "gopher", "intent", "market", "tg", "whatsapp",
        "ed2k", "smb", "ipfs", "ipns", "gemini",
    }
)


class InvalidUrl(ValueError):
    """The text is not a web address that can be reported; `message` is translated, `code` is stable."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    @property
    def message(self) -> str:
        return str(MESSAGES[self.code])


@dataclass(frozen=True)
class CanonicalUrl:
    url: str
    host: str
    sha256: str


def canonicalize(raw: str) -> CanonicalUrl:
    """The canonical form of `raw`, or InvalidUrl with a code from MESSAGES."""
    text = _unwrap(raw)
    if not text:
        raise InvalidUrl("empty")
    if len(text) > MAX_LENGTH:
        raise InvalidUrl("too_long")
    scheme, rest = _split_scheme(_refang(text))
    authority, path, query = _split_rest(rest)
    host, port = _split_authority(authority)
    host = _normalise_host(host)
    if not settings.REPORTAL_ACCEPT_PRIVATE_URLS and _is_private(host):
        raise InvalidUrl("private")
    port_text = "" if port is None or port == DEFAULT_PORTS[scheme] else f":{port}"
    path = _encode_brackets(normalize_path(path, scheme) or "/")
    query = _encode_brackets(_normalise_query(query))
    url = f"{scheme}://{host}{port_text}{path}{'?' + query if query else ''}"
    if len(url) > MAX_LENGTH:
        raise InvalidUrl("too_long")
    return CanonicalUrl(url=url, host=host.strip("[]"), sha256=hashlib.sha256(url.encode("ascii")).hexdigest())


def url_sha256(canonical_url: str) -> str:
    """The key of a canonical address in the queue and in the lists."""
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()


def _unwrap(raw: str) -> str:
    """Strip surrounding space and matched quotes or brackets; a lone opening one too (a closing one may belong
    to the address, and a canonical address never starts with one)."""
    text = raw.strip(_SPACE)
    while len(text) >= 2 and _PAIRS.get(text[0]) == text[-1]:
        text = text[1:-1].strip(_SPACE)
    text = text.lstrip("\"'`<\u201c\u201e\u2018\u00ab\u2039" + _SPACE)
    # Browsers drop tabs and line breaks anywhere in an address; e-mail clients wrap long ones.
    return re.sub(r"[\t\r\n]", "", text)


def _refang(text: str) -> str:
    for pattern, replacement in _DEFANGS:
        text = pattern.sub(replacement, text)
    return _DEFANGED_SCHEME.sub(lambda m: "http" + m.group(1), text)


def _split_scheme(text: str) -> tuple[str, str]:
    """(scheme, the rest after 'scheme:' and any slashes). A missing scheme means http."""
    match = _SCHEME.match(text)
    if match and not _PORT_AFTER_COLON.match(match.group(2)):
        scheme = match.group(1).lower()
        if scheme not in ALLOWED_SCHEMES:
            known = scheme in OTHER_SCHEMES or match.group(2).startswith("//")
            raise InvalidUrl("scheme" if known else "not_an_address")
        return scheme, match.group(2).lstrip("/\\")
    return "http", text.lstrip("/\\")


def _split_rest(rest: str) -> tuple[str, str, str]:
    """(authority, path, query) with the fragment dropped; backslashes before the query are slashes (WHATWG)."""
    rest = rest.split("#", 1)[0]
    before_query, question, query = rest.partition("?")
    before_query = before_query.replace("\\", "/")
    authority, slash, path = before_query.partition("/")
    return authority, slash + path, query


def _split_authority(authority: str) -> tuple[str, int | None]:
    host_port = authority.rpartition("@")[2]
    if host_port.startswith("["):
        host, bracket, port_text = host_port.partition("]")
        if not bracket or (port_text and not port_text.startswith(":")):
            raise InvalidUrl("not_an_address")
        host += "]"
        port_text = port_text[1:]
    else:
        host, _colon, port_text = host_port.partition(":")
    if not port_text:
        return host, None
    if not port_text.isascii() or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise InvalidUrl("port")
    return host, int(port_text)


def _normalise_host(host: str) -> str:
    """Lower-case ASCII host: IDNA for names, the shortest form for IP addresses (bracketed for IPv6)."""
    if host.startswith("["):
        try:
            if "%" in host:
                raise ValueError("zone identifiers name a local interface")
            address = ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise InvalidUrl("not_an_address") from None
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return f"[{address.compressed}]"
    try:
        host = unquote(host, errors="strict") if "%" in host else host
    except UnicodeDecodeError:
        raise InvalidUrl("not_an_address") from None
    labels = _DOTS.split(host)
    while labels and labels[-1] == "":
        labels.pop()  # the root label: "example.com." is "example.com"
    if not labels or any(label == "" for label in labels):
        raise InvalidUrl("not_an_address")
    ipv4 = _parse_ipv4(labels)
    if ipv4 is not None:
        return str(ipv4)
    ascii_labels = [_ascii_label(label) for label in labels]
    name = ".".join(ascii_labels)
    if (len(ascii_labels) < 2 and name != "localhost") or len(name) > 253 or ascii_labels[-1].isdigit():
        raise InvalidUrl("not_an_address")
    return name


def _ascii_label(label: str) -> str:
    label = label.lower()
    if not label.isascii():
        try:
            label = idna.encode(label, uts46=True, transitional=False).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            try:  # IDNA 2003 still maps what browsers accept and 2008 refuses (symbols, for example)
                label = label.encode("idna").decode("ascii").lower()
            except UnicodeError:
                raise InvalidUrl("not_an_address") from None
    if not _LABEL.fullmatch(label):
        raise InvalidUrl("not_an_address")
    return label


def _parse_ipv4(labels: list[str]) -> ipaddress.IPv4Address | None:
    """WHATWG's IPv4 parser: a host whose last label is a number is an IPv4 address in any of its spellings
    (0x7f.1, 2130706433, 0177.0.0.1), which browsers open and an SSRF filter must see through."""

    def number(part: str) -> int | None:
        part = part.lower()
        if _HEX.fullmatch(part):
            return int(part[2:] or "0", 16)
        if _OCTAL.fullmatch(part):
            return int(part[1:], 8)
        return int(part, 10) if _DECIMAL.fullmatch(part) else None

    if number(labels[-1]) is None:
        return None
    numbers = [number(label) for label in labels]
    if len(numbers) > 4 or any(n is None for n in numbers):
        raise InvalidUrl("not_an_address")
    values = [n for n in numbers if n is not None]
    if any(n > 255 for n in values[:-1]) or values[-1] >= 256 ** (5 - len(values)):
        raise InvalidUrl("not_an_address")
    value = values[-1]
    for index, n in enumerate(values[:-1]):
        value += n * 256 ** (3 - index)
    return ipaddress.IPv4Address(value)


def _is_private(host: str) -> bool:
    """True for loopback, private, link-local, reserved and other non-public addresses and local-only names."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return any(host == suffix or host.endswith("." + suffix) for suffix in PRIVATE_NAME_SUFFIXES)
    return not address.is_global or address.is_multicast


def _encode_brackets(text: str) -> str:
    """Brackets and parentheses percent-encoded, so a canonical address never looks defanged ("[.]", "(.)")."""
    return text.translate(_BRACKETS)


def _normalise_query(query: str) -> str:
    """Percent-encoding normalised per parameter, tracking parameters dropped, the others kept in order."""
    kept = []
    for param in query.split("&"):
        if not param:
            continue
        key, separator, value = param.partition("=")
        key = process_query_param(key)
        name = unquote(key).lower()
        if name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES):
            continue
        kept.append(f"{key}{separator}{process_query_param(value)}")
    return "&".join(kept)
