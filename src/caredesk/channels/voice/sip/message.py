"""SIP messages (RFC 3261 section 7) as they arrive in one UDP datagram: parsed into a request
or a response, and written back.

Pure: bytes in, a frozen message out, or `SipParseError` saying what was wrong (never the
datagram's contents, which may hold anything a caller typed). What the server needs and no
more: the start line, headers with their compact forms expanded and folded lines joined, list
headers (Via, Route, Record-Route) split at their commas, and the body cut at Content-Length."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

# The largest datagram read: a SIP message over UDP should fit a path MTU (RFC 3261 18.1.1);
# 16 KiB leaves room for a large SDP offer and refuses a flood of junk early.
MAX_DATAGRAM = 16 * 1024
MAX_HEADERS = 100
SIP_VERSION = "SIP/2.0"

# RFC 3261 7.3.3 and later RFCs' one-letter forms.
COMPACT = {
    "a": "Accept-Contact",
    "b": "Referred-By",
    "c": "Content-Type",
    "d": "Request-Disposition",
    "e": "Content-Encoding",
    "f": "From",
    "i": "Call-ID",
    "j": "Reject-Contact",
    "k": "Supported",
    "l": "Content-Length",
    "m": "Contact",
    "o": "Event",
    "r": "Refer-To",
    "s": "Subject",
    "t": "To",
    "u": "Allow-Events",
    "v": "Via",
    "x": "Session-Expires",
    "y": "Identity",
}
_CANONICAL = {
    name.lower(): name
    for name in (
        *COMPACT.values(),
        "CSeq",
        "Max-Forwards",
        "Record-Route",
        "Route",
        "User-Agent",
        "Server",
        "Allow",
        "Accept",
        "WWW-Authenticate",
        "P-Asserted-Identity",
        "Expires",
    )
}
# Headers whose comma-separated values are separate entries (RFC 3261 7.3.1).
_LIST_HEADERS = frozenset({"via", "route", "record-route"})
REQUIRED = ("Via", "From", "To", "Call-ID", "CSeq")
# Bounded by MAX_DATAGRAM, as every repeat in caredesk is bounded.
_TOKEN = re.compile(r"^[A-Za-z0-9.!%*_+`'~-]{1,16384}$")
_STATUS = re.compile(r"^SIP/2\.0 ([1-6][0-9]{2}) ?(.{0,16384})$")


class SipParseError(ValueError):
    """A datagram that is not a SIP message this server can read; the text says why."""


def canonical(name: str) -> str:
    lower = name.strip().lower()
    if lower in COMPACT:
        return COMPACT[lower]
    return _CANONICAL.get(lower, "-".join(part.capitalize() for part in lower.split("-")))


@dataclass(frozen=True)
class SipMessage:
    """A request (`method`, `uri`) or a response (`status`, `reason`)."""

    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
    method: str | None = None
    uri: str | None = None
    status: int | None = None
    reason: str = ""

    @property
    def is_request(self) -> bool:
        return self.method is not None

    def header(self, name: str) -> str | None:
        wanted = canonical(name)
        return next((value for key, value in self.headers if key == wanted), None)

    def all(self, name: str) -> list[str]:
        wanted = canonical(name)
        return [value for key, value in self.headers if key == wanted]

    def need(self, name: str) -> str:
        value = self.header(name)
        if value is None:
            raise SipParseError(f"no {name} header")
        return value

    @property
    def call_id(self) -> str:
        return self.need("Call-ID")

    @property
    def cseq(self) -> tuple[int, str]:
        return parse_cseq(self.need("CSeq"))

    @property
    def branch(self) -> str:
        """The top Via's branch: with the method, the transaction a message belongs to."""
        return param(self.all("Via")[0], "branch") or ""


def parse_cseq(value: str) -> tuple[int, str]:
    parts = value.split()
    if len(parts) != 2 or not parts[0].isdigit() or len(parts[0]) > 10:
        raise SipParseError("CSeq is not a number and a method")
    number = int(parts[0])
    if number >= 2**31:
        raise SipParseError("CSeq number is out of range")
    return number, parts[1].upper()


def split_list(value: str) -> Iterator[str]:
    """`value` cut at the commas outside quotes and angle brackets."""
    depth, quoted, start = 0, False, 0
    for index, char in enumerate(value):
        if char == '"' and (index == 0 or value[index - 1] != "\\"):
            quoted = not quoted
        elif not quoted and char == "<":
            depth += 1
        elif not quoted and char == ">":
            depth = max(0, depth - 1)
        elif not quoted and depth == 0 and char == ",":
            yield value[start:index].strip()
            start = index + 1
    yield value[start:].strip()


def _lines(head: str) -> list[str]:
    """Header lines with folded continuations (a line starting with a space or tab) joined."""
    lines: list[str] = []
    for line in head.split("\n"):
        line = line.rstrip("\r")
        if line[:1] in (" ", "\t") and lines:
            lines[-1] = f"{lines[-1]} {line.strip()}"
        elif line:
            lines.append(line)
    return lines


def _start(line: str) -> tuple[str | None, str | None, int | None, str]:
    if line.startswith("SIP/"):
        found = _STATUS.match(line)
        if found is None:
            raise SipParseError("bad status line")
        return None, None, int(found.group(1)), found.group(2).strip()
    parts = line.split(" ")
    if len(parts) != 3 or parts[2] != SIP_VERSION:
        raise SipParseError("bad request line")
    method, uri = parts[0], parts[1]
    if not _TOKEN.match(method) or not uri or ":" not in uri:
        raise SipParseError("bad request line")
    return method.upper(), uri, None, ""


def _headers(lines: Iterable[str]) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = []
    for line in lines:
        name, colon, value = line.partition(":")
        if not colon or not name.strip() or not _TOKEN.match(name.strip()):
            raise SipParseError("a header line has no name")
        key = canonical(name)
        value = value.strip()
        if key.lower() in _LIST_HEADERS:
            found.extend((key, part) for part in split_list(value) if part)
        else:
            found.append((key, value))
        if len(found) > MAX_HEADERS:
            raise SipParseError(f"more than {MAX_HEADERS} headers")
    return tuple(found)


def _body(headers: tuple[tuple[str, str], ...], rest: bytes) -> bytes:
    lengths = {value for key, value in headers if key == "Content-Length"}
    if not lengths:
        # Optional over UDP: the body is the rest of the datagram (RFC 3261 18.3).
        return rest
    if len(lengths) > 1:
        raise SipParseError("Content-Length is given twice with different values")
    value = lengths.pop()
    if not value.isdigit() or len(value) > 6:
        raise SipParseError("Content-Length is not a number")
    length = int(value)
    if length > len(rest):
        raise SipParseError("Content-Length is longer than the datagram")
    return rest[:length]


def parse(datagram: bytes) -> SipMessage:
    """One SIP message from one datagram, or `SipParseError`."""
    if len(datagram) > MAX_DATAGRAM:
        raise SipParseError(f"datagram of {len(datagram)} bytes is over {MAX_DATAGRAM}")
    data = datagram.lstrip(b"\r\n")
    if not data:
        raise SipParseError("empty datagram (a keep-alive)")
    cut = data.find(b"\r\n\r\n")
    gap = 4
    if cut < 0:
        cut, gap = data.find(b"\n\n"), 2
    if cut < 0:
        cut, gap = len(data), 0
    try:
        head = data[:cut].decode("utf-8")
    except UnicodeDecodeError:
        raise SipParseError("the headers are not UTF-8") from None
    lines = _lines(head)
    if not lines:
        raise SipParseError("no start line")
    method, uri, status, reason = _start(lines[0])
    headers = _headers(lines[1:])
    body = _body(headers, data[cut + gap :])
    message = SipMessage(headers, body, method, uri, status, reason)
    for name in REQUIRED:
        message.need(name)
    number, cseq_method = message.cseq
    if method is not None and cseq_method != method and method != "ACK":
        raise SipParseError("CSeq method differs from the request's")
    if method == "ACK" and cseq_method not in ("ACK", "INVITE"):
        raise SipParseError("CSeq method differs from the request's")
    del number
    return message


def param(value: str, name: str) -> str | None:
    """The value of parameter `name` of a header value (`;tag=abc`), outside its <URI>; a
    parameter without a value gives ""."""
    outside = value.rsplit(">", 1)[-1] if ">" in value else value
    for part in outside.split(";")[1:]:
        key, _, found = part.partition("=")
        if key.strip().lower() == name:
            return found.strip().strip('"')
    return None


def uri_of(value: str) -> str:
    """The URI of a name-addr or addr-spec (`"Ann" <sip:+1415@host>;tag=x` -> `sip:+1415@host`)."""
    if "<" in value:
        start = value.index("<") + 1
        end = value.find(">", start)
        return value[start : end if end >= 0 else len(value)].strip()
    return value.split(";", 1)[0].strip()


def user_of(uri: str) -> str | None:
    """The user part of a sip:, sips: or tel: URI, without its parameters; None if none."""
    scheme, colon, rest = uri.partition(":")
    if not colon:
        return None
    scheme = scheme.lower()
    if scheme == "tel":
        return rest.split(";", 1)[0] or None
    if scheme not in ("sip", "sips") or "@" not in rest:
        return None
    return rest.split("@", 1)[0].split(";", 1)[0] or None


def host_port_of(uri: str) -> tuple[str, int | None]:
    """The host and port of a sip: URI (`sip:ann@10.0.0.5:5062;transport=udp`)."""
    rest = uri.partition(":")[2]
    rest = rest.split("@", 1)[-1].split(";", 1)[0].split("?", 1)[0]
    if rest.startswith("["):
        host, _, tail = rest[1:].partition("]")
        port = tail.lstrip(":")
    else:
        host, _, port = rest.partition(":")
    return host, int(port) if port.isdigit() and 0 < int(port) < 65536 else None


def render(start_line: str, headers: Iterable[tuple[str, str]], body: bytes = b"") -> bytes:
    """A message to send: the start line, the headers in order, Content-Length and the body."""
    lines = [start_line]
    lines.extend(f"{name}: {value}" for name, value in headers if name != "Content-Length")
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body


def response(
    request: SipMessage,
    status: int,
    reason: str,
    *,
    to_tag: str | None = None,
    headers: Iterable[tuple[str, str]] = (),
    body: bytes = b"",
) -> bytes:
    """A response to `request` (RFC 3261 8.2.6): its Vias, From, Call-ID and CSeq copied, its To
    with our tag added when it has none."""
    copied: list[tuple[str, str]] = [("Via", via) for via in request.all("Via")]
    to = request.need("To")
    if to_tag is not None and param(to, "tag") is None:
        to = f"{to};tag={to_tag}"
    copied += [
        ("From", request.need("From")),
        ("To", to),
        ("Call-ID", request.call_id),
        ("CSeq", request.need("CSeq")),
    ]
    if 100 < status < 300:
        copied += [("Record-Route", route) for route in request.all("Record-Route")]
    copied.extend(headers)
    return render(f"{SIP_VERSION} {status} {reason}", copied, body)
