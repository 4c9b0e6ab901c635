"""Loopback fake servers for the outside world: web site, DNS, RDAP, a MaxMind DB writer. Others may reuse them."""
