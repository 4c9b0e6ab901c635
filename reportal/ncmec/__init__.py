"""NCMEC CyberTipline (ISPWS): reports about content on US services."""
