"""Only the C extension is declared here; all other package metadata lives in pyproject.toml."""

import platform

from setuptools import Extension, setup

# popcnt is on every x86-64 CPU since 2008; elsewhere the compiler picks its own instruction.
_ARCH_FLAGS = ["-mpopcnt"] if platform.machine().lower() in ("x86_64", "amd64") else []

setup(
    ext_modules=[
        Extension(
            "reportal.hashes.index._mih",
            sources=["reportal/hashes/index/_mih.c"],
            extra_compile_args=["-O3", "-std=c11", "-pthread", *_ARCH_FLAGS],
            extra_link_args=["-pthread"],
            # Without a compiler the package still installs; reportal then matches with its exhaustive scan.
            optional=True,
        )
    ]
)
