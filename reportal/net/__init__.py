"""The only code that touches the network: guarded HTTP fetcher, DNS, RDAP. Timeouts, byte caps, an SSRF guard."""
