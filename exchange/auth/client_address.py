"""The address a request comes from, as the login throttle counts it.

Behind a reverse proxy every request arrives from the proxy: its X-Forwarded-For names the
client, but anyone can send that header, so it is read only when the direct peer is one of
EXCHANGE_TRUSTED_PROXIES (default 127.0.0.1). The chain is read from the right: the first
address that is not itself a trusted proxy is the client's (what a client wrote further left
is not believed)."""

from __future__ import annotations

from ipaddress import ip_address

from litestar.connection import ASGIConnection

from exchange.settings import get_settings


def _trusted(address: str) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in get_settings().trusted_proxies)


def client_address(connection: ASGIConnection) -> str:
    peer = connection.client.host if connection.client else "unknown"
    if not _trusted(peer):
        return peer
    forwarded = [part.strip() for part in connection.headers.get("x-forwarded-for", "").split(",") if part.strip()]
    for hop in reversed(forwarded):
        if not _trusted(hop):
            try:
                return str(ip_address(hop))
            except ValueError:
                return peer  # a malformed hop: count the proxy's own address
    return peer
