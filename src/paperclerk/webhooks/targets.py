"""Where webhooks may point: public addresses only, unless an admin allows a host.

A webhook url is chosen by whoever holds an API key, and the workers POST to it, so an
unchecked url would let them reach services meant to be internal (SSRF). Every address a
host name resolves to is checked, at registration and again at each delivery (a name may
resolve elsewhere later: DNS rebinding), and the delivery connects to the address checked.
`PAPERCLERK_WEBHOOK_ALLOW_HOSTS` lists host names, addresses or networks let through.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from paperclerk.settings import get_settings
from paperclerk.storage.errors import InvalidRequestError

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class WebhookTargetError(InvalidRequestError):
    """The webhook url points at an address that is not public (or does not resolve)."""

    code = "webhook_target_refused"
    http_status = 422


@dataclass(frozen=True)
class AllowList:
    """Hosts and networks let through although not public (from the settings)."""

    names: frozenset[str]
    networks: tuple[IpNetwork, ...]

    @classmethod
    def parse(cls, text: str) -> AllowList:
        """Read a comma-separated list of host names, addresses and CIDR networks."""
        names: set[str] = set()
        networks: list[IpNetwork] = []
        for entry in (e.strip().lower().strip("[]") for e in text.split(",")):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                names.add(entry.rstrip("."))
        return cls(frozenset(names), tuple(networks))

    def allows(self, address: IpAddress) -> bool:
        """Tell whether the address is in an allowed network."""
        return any(address in network for network in self.networks)


def allow_list() -> AllowList:
    """Return the allow list of this process's settings."""
    return AllowList.parse(get_settings().webhook_allow_hosts)


def refusal(address: IpAddress) -> str | None:
    """Return what kind of address a webhook may not target it is, or None when public."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for kind, flag in (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
    ):
        if flag:
            return f"a {kind} address"
    if not address.is_global:
        return "not a public address"
    return None


def resolve(host: str, port: int) -> list[IpAddress]:
    """Return every address the host resolves to (an address literal: itself).

    Raises `WebhookTargetError` when the name does not resolve.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise WebhookTargetError(f"the webhook host {host!r} does not resolve: {exc}") from None
    found: list[IpAddress] = []
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if address not in found:
            found.append(address)
    return found


def check_target(url: str, allowed: AllowList | None = None) -> IpAddress | None:
    """Check every address of the url's host; return the one to connect to.

    None means the host itself is on the allow list (connect by name). Raises
    `WebhookTargetError` when the host does not resolve or any address is refused.
    """
    allowed = allowed if allowed is not None else allow_list()
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".").lower()
    if host in allowed.names:
        return None
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = resolve(host, port)
    for address in addresses:
        why = refusal(address)
        if why is not None and not allowed.allows(address):
            raise WebhookTargetError(
                f"{host} resolves to {address}, {why}; webhooks may target public addresses "
                "only (an admin may allow a host in PAPERCLERK_WEBHOOK_ALLOW_HOSTS)"
            )
    return addresses[0]


def pinned_url(url: str, address: IpAddress) -> str:
    """Return the url with its host replaced by the address (keeping user info and port)."""
    parts = urlsplit(url)
    userinfo, _, _ = parts.netloc.rpartition("@")
    host = f"[{address}]" if address.version == 6 else str(address)
    netloc = (f"{userinfo}@" if userinfo else "") + host
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
