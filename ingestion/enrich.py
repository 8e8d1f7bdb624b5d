"""Normalization and enrichment: URLs, user agents, geography, IP anonymization.

Everything here runs once per request (user agent, IP) or is cached by value (URLs repeat far more
than they vary), so the per-event cost stays a dictionary lookup.
"""

from __future__ import annotations

import ipaddress
import logging
from functools import lru_cache
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.conf import settings

logger = logging.getLogger(__name__)

TRUNCATED = "…[truncated]"
# Query parameters that carry secrets or personal data; dropped from every stored URL and referrer.
SENSITIVE_PARAMS = frozenset(
    {
        "email",
        "e-mail",
        "mail",
        "token",
        "access_token",
        "id_token",
        "refresh_token",
        "auth",
        "authorization",
        "password",
        "passwd",
        "pass",
        "pwd",
        "secret",
        "client_secret",
        "api_key",
        "apikey",
        "key",
        "session",
        "sessionid",
        "code",
        "otp",
        "ssn",
        "phone",
        "card",
        "cc",
        "credit_card",
        "iban",
        "signature",
        "sig",
    }
)


def truncate(value: str | None, limit: int) -> str | None:
    if value is None:
        return None
    if "\x00" in value:  # Postgres text cannot hold NUL
        value = value.replace("\x00", "")
    if len(value) > limit:
        return value[: limit - len(TRUNCATED)] + TRUNCATED
    return value


def _clean_query(query: str) -> str:
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if k.lower() not in SENSITIVE_PARAMS]
    if len(kept) == len(pairs):
        return query
    return urlencode(kept)


class SplitUrl(NamedTuple):
    host: str | None
    path: str | None
    query: str | None


@lru_cache(maxsize=8192)
def url_split(url: str) -> SplitUrl:
    """Host, path and query (sensitive parameters stripped) of an absolute or site-relative URL."""
    parts = urlsplit(url)  # raises ValueError on a malformed host
    host = (parts.hostname or None) if parts.netloc else None
    query = _clean_query(parts.query) or None
    return SplitUrl(truncate(host, 253), truncate(parts.path or "/", 2048), truncate(query, 2048))


@lru_cache(maxsize=8192)
def referrer_clean(url: str) -> str:
    """The referrer with its sensitive query parameters removed and its fragment dropped."""
    parts = urlsplit(url)
    query = _clean_query(parts.query)
    out = parts._replace(query=query, fragment="").geturl()
    return truncate(out, 2048) or ""


class Device(NamedTuple):
    device_type: str | None
    browser: str | None
    os: str | None


@lru_cache(maxsize=4096)
def user_agent_parse(user_agent: str) -> Device:
    """Device type, browser and OS; cached because a site sees few distinct user agent strings."""
    if not user_agent:
        return Device(None, None, None)
    from user_agents import parse

    try:
        ua = parse(user_agent[:1000])
    except Exception:  # a hostile string must never fail the request; the device stays unknown
        return Device(None, None, None)
    if ua.is_bot:
        kind = "bot"
    elif ua.is_tablet:
        kind = "tablet"
    elif ua.is_mobile:
        kind = "mobile"
    elif ua.is_pc:
        kind = "desktop"
    else:
        kind = "other"
    return Device(kind, truncate(ua.browser.family, 64), truncate(ua.os.family, 64))


_geo: Any = None


def _geo_reader() -> Any:
    global _geo
    if _geo is None:
        path = getattr(settings, "CROW_GEOIP_DB", "")
        if path:
            import geoip2.database  # type: ignore[import-not-found]

            _geo = ("mmdb", geoip2.database.Reader(path))
        else:
            from geoip2fast import GeoIP2Fast

            _geo = ("fast", GeoIP2Fast())
    return _geo


@lru_cache(maxsize=16384)
def country_for_ip(ip: str) -> str | None:
    """ISO country code of an IP, from the bundled geoip2fast data or the mmdb in CROW_GEOIP_DB."""
    if not ip:
        return None
    try:
        kind, reader = _geo_reader()
        code = reader.lookup(ip).country_code if kind == "fast" else reader.country(ip).country.iso_code
    except Exception:  # unknown, private or malformed address: no country
        return None
    if not code or len(code) != 2 or not code.isalpha():
        return None
    return str(code).upper()


def ip_anonymize(ip: str) -> str:
    """IPv4 with its last octet zeroed, IPv6 cut to its /48; anything unparseable is dropped."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return ""
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        addr = addr.ipv4_mapped
    prefix = 24 if addr.version == 4 else 48
    return str(ipaddress.ip_network(f"{addr}/{prefix}", strict=False).network_address)


def ip_valid(ip: str) -> str:
    try:
        return str(ipaddress.ip_address(ip))
    except ValueError:
        return ""


def client_ip(remote_addr: str, forwarded_for: str) -> str:
    """The client's address: REMOTE_ADDR, or the Nth-from-last X-Forwarded-For entry when
    CROW_TRUSTED_PROXIES = N proxies (a load balancer) sit in front; never a client-chosen value."""
    hops = settings.CROW_TRUSTED_PROXIES
    if hops and forwarded_for:
        chain = [p.strip() for p in forwarded_for.split(",") if p.strip()]
        if len(chain) >= hops:
            return chain[-hops]
    return remote_addr
