"""ICCAM v3: the exchange of content URLs between INHOPE hotlines (export, import, action sync)."""
