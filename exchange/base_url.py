"""Where the labels' QR codes point: EXCHANGE_BASE_URL, or for `exchange serve` without it the
address it serves at; and what is wrong with it before a sheet of labels is wasted.

A QR code that opens http://127.0.0.1:8000/i/... on a phone opens the phone itself: the label
is lost. Start-up logs the problem, /labels shows it above the print buttons."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from exchange.messages import Message, _

WILDCARDS = ("0.0.0.0", "::", "")


def lan_address() -> str:
    """This machine's address on its network, as other devices reach it. A UDP socket "connected"
    to a documentation address (TEST-NET-1) picks the outgoing interface and sends nothing."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
            return probe.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def served_base_url(host: str, port: int) -> str:
    """The base URL of `exchange serve --host H --port P`: a wildcard host is this machine's
    network address (what a phone on the same network can open)."""
    name = lan_address() if host in WILDCARDS else host
    if ":" in name and not name.startswith("["):
        name = f"[{name}]"  # an IPv6 address in a URL
    return f"http://{name}:{port}"


def _host(netloc: str) -> str:
    return urlsplit(f"//{netloc}").hostname or ""


def is_loopback(base_url: str) -> bool:
    host = _host(urlsplit(base_url).netloc)
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def problems(base_url: str, reached_at: str | None = None) -> list[Message]:
    """What would make the QR codes point nowhere: a loopback base URL, or one other than the
    address (host[:port]) the page was reached at."""
    found = []
    if is_loopback(base_url):
        found.append(
            _(
                "The labels point at %(base_url)s, an address only this computer opens: a phone that scans "
                "them will not find the exchange. Set EXCHANGE_BASE_URL to the address people reach it at "
                "(for example https://exchange.example.org).",
                base_url=base_url,
            )
        )
    if reached_at and urlsplit(base_url).netloc.lower() != reached_at.lower():
        if not (is_loopback(base_url) and is_loopback(f"//{reached_at}")):
            found.append(
                _(
                    "The labels point at %(base_url)s, but this page was reached at %(reached_at)s: check "
                    "EXCHANGE_BASE_URL before printing.",
                    base_url=base_url,
                    reached_at=reached_at,
                )
            )
    return found
