"""JSON API of the hashes stage at /api/v1/: batch matching for members (up to 1,000 signals a call)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from reportal.access import MemberKeyAuth, Scope
from reportal.hashes import matcher
from reportal.hashes.guard import rate_limited
from reportal.hashes.signals import InvalidSignal, parse_signal

router = Router()

MAX_BATCH = 1000


class SignalQuery(Schema):
    signal_type: str = Field(..., description="pdq, md5, sha1, sha256 or vpdq (HMA's video_md5 and video_sha256 too)")
    signal: str = Field(
        ...,
        description=(
            "The hash, in hexadecimal; for vpdq, threatexchange's signal string: a JSON list of "
            '"pdq_hex,quality,timestamp" strings, one per frame'
        ),
    )


class MatchRequest(Schema):
    signals: list[SignalQuery] = Field(..., description="Up to 1,000 signals to look up")
    banks: list[str] | None = Field(None, description="Only match these banks (all switched-on banks by default)")


class BankMatch(Schema):
    bank: str
    content_id: int
    distance: int = Field(..., description="Bits for PDQ (0 for digests); for vpdq, 100 minus query_match_percent")
    classification: str
    query_match_percent: float | None = Field(
        None, description="vpdq only: the share of the query's frames that matched a frame of this video"
    )
    compared_match_percent: float | None = Field(
        None, description="vpdq only: the share of this video's frames that matched a frame of the query"
    )


class SignalResult(Schema):
    signal_type: str
    signal: str
    matches: list[BankMatch]


class MatchResponse(Schema):
    results: list[SignalResult]


class ErrorOut(Schema):
    detail: str


@router.post(
    "/match",
    response={200: MatchResponse, 400: ErrorOut, 429: ErrorOut},
    auth=MemberKeyAuth(str(Scope.MATCH), staff=True),
    summary="Match a batch of hashes against the banks",
    exclude_none=True,
)
def match_batch(request: HttpRequest, payload: MatchRequest) -> MatchResponse:
    """Exact look-up of PDQ (within each bank's distance threshold) and cryptographic hashes; vPDQ videos match
    by the share of frames that match, under each bank's vPDQ settings (HMA's defaults: 31 bits, quality 50,
    80 % of the query's frames).

    Disabled entries and switched-off banks never match; a hash added to a bank matches on the next call.
    """
    if rate_limited(request, getattr(request, "auth", None)):
        raise HttpError(429, _("Too many requests for this key. Wait a minute and try again."))
    if not payload.signals:
        raise HttpError(400, _("Send at least one signal."))
    if len(payload.signals) > MAX_BATCH:
        raise HttpError(400, _("Send at most 1,000 signals per call; split the batch."))
    queries: list[tuple[str, str]] = []
    for position, item in enumerate(payload.signals):
        try:
            queries.append(parse_signal(item.signal_type, item.signal))
        except InvalidSignal as exc:
            raise HttpError(
                400, _("Signal %(position)d: %(problem)s") % {"position": position, "problem": str(exc)}
            ) from None
    found = matcher.lookup(queries, banks=payload.banks, bypass_coinflip=True)
    return MatchResponse(
        results=[
            SignalResult(
                signal_type=st,
                signal=value,
                matches=[
                    BankMatch(
                        bank=m.bank,
                        content_id=m.content_id,
                        distance=m.distance,
                        classification=m.classification,
                        query_match_percent=m.query_match_percent,
                        compared_match_percent=m.compared_match_percent,
                    )
                    for m in matches
                ],
            )
            for (st, value), matches in zip(queries, found, strict=True)
        ]
    )
