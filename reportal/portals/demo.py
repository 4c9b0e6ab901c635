"""Demo portals (gt, sv, bz, global) with plausible branding, partners and helplines on reserved names.

Every link is on *.example and every phone number is made up: the demo points at no real organisation.
"""

from __future__ import annotations

from typing import Any

from reportal.portals.models import Portal
from reportal.portals.transfer import import_portal

_PRIVACY = {
    "es": (
        "Este portal no registra su dirección IP ni le pide su nombre. Si deja un correo electrónico, se guarda "
        "cifrado y solo se usa para informarle del resultado. Las direcciones web que envía las revisan analistas "
        "capacitados de la línea de denuncia."
    ),
    "en": (
        "This portal does not record your IP address or ask for your name. If you leave an e-mail address, it is "
        "stored encrypted and used only to tell you the outcome. The web addresses you send are checked by the "
        "hotline's trained analysts."
    ),
    "fr": (
        "Ce portail n'enregistre pas votre adresse IP et ne vous demande pas votre nom. Si vous laissez une adresse "
        "e-mail, elle est chiffrée et sert uniquement à vous informer du résultat. Les adresses web que vous "
        "envoyez sont examinées par les analystes formés de la hotline."
    ),
    "pt": (
        "Este portal não regista o seu endereço IP nem lhe pede o nome. Se deixar um endereço de e-mail, ele é "
        "guardado cifrado e usado apenas para lhe comunicar o resultado. Os endereços web que envia são "
        "verificados pelos analistas formados da linha de denúncia."
    ),
    "ar": (
        "لا تسجّل هذه البوابة عنوان IP الخاص بك ولا تطلب اسمك. إذا تركت عنوان بريد إلكتروني فإنه يُحفظ مشفّرًا "
        "ولا يُستخدم إلا لإبلاغك بالنتيجة. يتحقق محللون مدرَّبون في خط الإبلاغ من عناوين الويب التي ترسلها."
    ),
}


def _legal(country: dict[str, str]) -> dict[str, str]:
    return {
        "es": f"Demostración: este portal funciona en cooperación con las autoridades de {country['es']}. "
        "Los nombres y contactos de esta página son ficticios.",
        "en": f"Demonstration: this portal works in cooperation with the authorities of {country['en']}. "
        "The names and contacts on this page are made up.",
        "fr": f"Démonstration : ce portail fonctionne en coopération avec les autorités {country['fr']}. "
        "Les noms et contacts de cette page sont fictifs.",
        "pt": f"Demonstração: este portal funciona em cooperação com as autoridades {country['pt']}. "
        "Os nomes e contactos desta página são fictícios.",
        "ar": f"نسخة تجريبية: تعمل هذه البوابة بالتعاون مع سلطات {country['ar']}. "
        "الأسماء وجهات الاتصال في هذه الصفحة وهمية.",
    }


def _texts(languages: list[str], texts: dict[str, str]) -> dict[str, str]:
    return {code: texts[code] for code in languages}


def demo_portal_files() -> list[dict[str, Any]]:
    """The demo portals in the same shape as `reportal portals export` writes."""
    gt_langs = ["es"]
    sv_langs = ["es"]
    bz_langs = ["en", "es"]
    global_langs = ["en", "fr", "es", "pt", "ar"]
    return [
        {
            "slug": "gt",
            "country_code": "GT",
            "name": "Guatemala",
            "display_name": "Denuncia Segura Guatemala",
            "languages": gt_langs,
            "brand_colour": "#0b5d8f",
            "logo_text": "Denuncia GT",
            "active": True,
            "privacy_text": _texts(gt_langs, _PRIVACY),
            "legal_text": _texts(gt_langs, _legal(_OTHER | {"es": "Guatemala"})),
            "partners": [
                {"name": "Policía Nacional Civil (demo)", "role": "police", "link": "https://pnc.gt.example/"},
                {
                    "name": "Ministerio Público, Fiscalía contra la Trata (demo)",
                    "role": "prosecutor",
                    "link": "https://mp.gt.example/",
                },
                {
                    "name": "Procuraduría General de la Nación, Niñez (demo)",
                    "role": "child_protection",
                    "link": "https://pgn.gt.example/",
                },
                {"name": "Red de Proveedores de Internet GT (demo)", "role": "isp", "link": "https://isp.gt.example/"},
            ],
            "helplines": [
                {
                    "name": "Línea de ayuda a la niñez (demo)",
                    "phone": "+502 5550 0110",
                    "link": "https://ayuda.gt.example/",
                    "hours": "24 horas, todos los días",
                },
                {"name": "Policía, emergencias (demo)", "phone": "+502 5550 0120", "link": "", "hours": "24 horas"},
            ],
        },
        {
            "slug": "sv",
            "country_code": "SV",
            "name": "El Salvador",
            "display_name": "Reporta El Salvador",
            "languages": sv_langs,
            "brand_colour": "#1c4e8a",
            "logo_text": "Reporta SV",
            "active": True,
            "privacy_text": _texts(sv_langs, _PRIVACY),
            "legal_text": _texts(sv_langs, _legal(_OTHER | {"es": "El Salvador"})),
            "partners": [
                {
                    "name": "Policía Nacional Civil, División de Delitos Informáticos (demo)",
                    "role": "police",
                    "link": "https://pnc.sv.example/",
                },
                {
                    "name": "Consejo Nacional de la Niñez y de la Adolescencia (demo)",
                    "role": "child_protection",
                    "link": "https://conna.sv.example/",
                },
                {
                    "name": "Superintendencia de Telecomunicaciones (demo)",
                    "role": "regulator",
                    "link": "https://siget.sv.example/",
                },
            ],
            "helplines": [
                {
                    "name": "Línea Niñez Segura (demo)",
                    "phone": "+503 5550 0130",
                    "link": "https://ninez.sv.example/",
                    "hours": "Lunes a domingo, 7:00 a 22:00",
                },
            ],
        },
        {
            "slug": "bz",
            "country_code": "BZ",
            "name": "Belize",
            "display_name": "Report It Belize",
            "languages": bz_langs,
            "brand_colour": "#7a1f2b",
            "logo_text": "Report It BZ",
            "display_name_by_language": {"es": "Denuncie Belice"},
            "logo_text_by_language": {"es": "Denuncie BZ"},
            "active": True,
            "privacy_text": _texts(bz_langs, _PRIVACY),
            "legal_text": _texts(bz_langs, _legal(_OTHER | {"es": "Belice", "en": "Belize"})),
            "partners": [
                {"name": "Belize Police Department (demo)", "role": "police", "link": "https://police.bz.example/"},
                {
                    "name": "Department of Human Services (demo)",
                    "role": "child_protection",
                    "link": "https://humanservices.bz.example/",
                },
                {"name": "Public Utilities Commission (demo)", "role": "regulator", "link": "https://puc.bz.example/"},
            ],
            "helplines": [
                {
                    "name": "Child helpline (demo)",
                    "phone": "+501 555 0140",
                    "link": "https://childline.bz.example/",
                    "hours": "24/7",
                },
                {"name": "Police emergency (demo)", "phone": "+501 555 0150", "link": "", "hours": "24/7"},
            ],
        },
        {
            "slug": "global",
            "country_code": "",
            "name": "Global",
            "display_name": "Report Abuse Online",
            "languages": global_langs,
            "brand_colour": "#24456e",
            "logo_text": "Report Abuse",
            "display_name_by_language": {
                "fr": "Signaler les abus en ligne",
                "es": "Denunciar el abuso en línea",
                "pt": "Denunciar abusos online",
                "ar": "الإبلاغ عن الإساءة على الإنترنت",
            },
            "logo_text_by_language": {"fr": "Signaler", "es": "Denunciar", "pt": "Denunciar", "ar": "أبلِغ"},
            "active": True,
            "privacy_text": _texts(global_langs, _PRIVACY),
            "legal_text": _texts(
                global_langs,
                _legal(
                    {"es": "su país", "en": "your country", "fr": "de votre pays", "pt": "do seu país", "ar": "بلدك"}
                ),
            ),
            "partners": [
                {
                    "name": "International Network of Hotlines (demo)",
                    "role": "ngo",
                    "link": "https://hotlines.example/",
                },
                {
                    "name": "Global Child Protection Alliance (demo)",
                    "role": "child_protection",
                    "link": "https://childprotection.example/",
                },
            ],
            "helplines": [
                {
                    "name": "International child helpline directory (demo)",
                    "phone": "",
                    "link": "https://helplines.example/",
                    "hours": "",
                },
            ],
        },
    ]


# Country names in the languages a one-country portal does not offer (unused, but keeps _legal total).
_OTHER = {"en": "the country", "fr": "du pays", "pt": "do país", "ar": "البلد"}


def load_demo_portals() -> list[Portal]:
    """Create or update the demo portals; safe to run at every start."""
    return [import_portal(data)[0] for data in demo_portal_files()]
