"""Network facts every layer needs alike."""

import ipaddress


def is_loopback_host(host: str) -> bool:
    """Whether HOST is the loopback interface (`localhost`, 127.0.0.0/8, `::1`)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
