"""Video hashing: vPDQ frames as the reference `vpdq` computes them (fixtures it made, and the live reference where
it is installed), threatexchange's signal format, the safe preview, and the refusals of bad or hostile input."""

from __future__ import annotations

import http.server
import io
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from reportal.hashes.hashing import ImageHashError
from reportal.hashes.video import (
    UnsupportedVideoError,
    VideoHashError,
    VideoTooLargeError,
    VpdqFrame,
    contact_sheet,
    hash_video,
    parse_vpdq_signal,
    vpdq_to_signal,
)
from tests.hashes import videogen

DATA = Path(__file__).parent / "data"
# The videos behind the reference signals, drawn again at every run. Lossless (raw BGR frames in AVI), so every
# decoder gives back exactly the drawn frames and the reference's signals stay valid whatever encoder draws them.
REFERENCE_VIDEOS = {
    "raw-30fps": {"seed": 7, "seconds": 6, "fps": 30, "size": (160, 90)},
    "raw-25fps": {"seed": 8, "seconds": 5, "fps": 25, "size": (128, 72)},
    "raw-29.97fps": {"seed": 9, "seconds": 5, "fps": Fraction(30000, 1001), "size": (120, 68)},
}


def reference_video(name: str) -> bytes:
    spec = REFERENCE_VIDEOS[name]
    return videogen.video(**spec, codec="rawvideo", container="avi", pix_fmt="bgr24")  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(REFERENCE_VIDEOS))
def test_hashes_equal_the_reference_fixtures(name):
    """Signals the reference vpdq made through python-threatexchange (commands in tests/hashes/data/README.md)."""
    expected = (DATA / f"vpdq-{name}.vpdq").read_text().strip()
    assert hash_video(reference_video(name)).vpdq == expected


def test_there_are_reference_fixtures():
    assert sorted(p.stem.removeprefix("vpdq-") for p in DATA.glob("*.vpdq")) == sorted(REFERENCE_VIDEOS)


@pytest.mark.parametrize(
    ("fps", "codec", "container", "size"),
    [
        (30, "libx264", "mp4", (320, 180)),
        (24, "mpeg4", "avi", (250, 140)),
        (Fraction(30000, 1001), "libx264", "matroska", (426, 240)),
        (5, "libvpx-vp9", "webm", (160, 96)),
    ],
    ids=["h264-30", "mpeg4-24-avi", "h264-29.97-mkv", "vp9-5-webm"],
)
def test_hashes_equal_the_installed_reference(fps, codec, container, size, tmp_path):
    vpdq = pytest.importorskip("vpdq", reason="the reference vpdq needs Debian's FFmpeg development packages")
    data = videogen.video(11, seconds=4, fps=fps, size=size, codec=codec, container=container)
    path = tmp_path / f"video.{container}"
    path.write_bytes(data)  # the reference reads files; reportal never writes one
    reference = [(f.hex, f.quality, f.timestamp) for f in vpdq.computeHash(str(path))]
    ours = [(f.pdq_hex, f.quality, f.timestamp_s) for f in hash_video(data).frames]
    assert ours == reference
    assert len(ours) >= 4


def test_one_frame_a_second_with_the_references_timestamps():
    hashes = hash_video(videogen.video(3, seconds=5, fps=Fraction(30000, 1001), size=(240, 136)))
    # The reference takes every int(29.97) = 29th frame, stamped frame / fps in single precision.
    expected = [float(np.float32(n) / np.float32(30000 / 1001)) for n in (0, 29, 58, 87, 116, 145)]
    assert [f.timestamp_s for f in hashes.frames] == expected
    assert json.loads(hashes.vpdq)[1].endswith(",0.968")
    assert (hashes.width, hashes.height) == (240, 136)
    assert hashes.duration_s == pytest.approx(5.0, abs=0.1)
    assert all(len(f.pdq_hex) == 64 and f.quality == 100 for f in hashes.frames)
    assert set(hashes.signals()) == {"vpdq", "md5", "sha256"}


def test_signal_string_is_threatexchanges_format():
    frames = [VpdqFrame("ab" * 32, 100, 0.0), VpdqFrame("0f" * 32, 49, 1.0), VpdqFrame("ab" * 32, 80, 123.0)]
    signal = vpdq_to_signal(frames)
    # threatexchange writes f"{timestamp:.3}": three significant digits.
    assert signal == json.dumps([f"{'ab' * 32},100,0.0", f"{'0f' * 32},49,1.0", f"{'ab' * 32},80,1.23e+02"])
    assert parse_vpdq_signal(signal) == frames
    try:
        from threatexchange.extensions.vpdq.vpdq_util import VpdqCompactFeature, json_to_vpdq, vpdq_to_json
    except ImportError:
        return
    theirs = [VpdqCompactFeature(f.pdq_hex, f.quality, f.timestamp_s) for f in frames]
    assert vpdq_to_json(theirs) == signal
    assert [(f.pdq_hex, f.quality, f.timestamp) for f in json_to_vpdq(signal)] == [
        (f.pdq_hex, f.quality, f.timestamp_s) for f in frames
    ]


@pytest.mark.parametrize(
    "bad",
    ["", "{}", "[1]", '["abc,100,0"]', json.dumps([f"{'ab' * 32},101,0.0"]), json.dumps([f"{'ab' * 32},90,-1"])],
)
def test_malformed_signals_are_refused(bad):
    if bad == "":
        assert parse_vpdq_signal(bad) == []
        return
    with pytest.raises(ValueError):
        parse_vpdq_signal(bad)


def test_max_seconds_hashes_the_beginning_only():
    hashes = hash_video(videogen.video(4, seconds=6, fps=10, size=(160, 90)), max_seconds=2.5)
    assert [f.timestamp_s for f in hashes.frames] == [0.0, 1.0, 2.0]
    assert hashes.truncated
    assert not hash_video(videogen.video(4, seconds=3, fps=10, size=(160, 90))).truncated


def test_contact_sheet_is_a_blurred_greyscale_png():
    data = videogen.video(5, seconds=8, fps=10)
    sheet = Image.open(io.BytesIO(contact_sheet(data)))
    assert sheet.format == "PNG" and sheet.mode == "L"
    assert sheet.width >= 320 and sheet.height >= 80
    # Sharp edges of the discs and bar are gone: neighbouring pixels differ far less than in the frame itself.
    frame = np.asarray(Image.fromarray(next(videogen.frames(5, seconds=0.1, fps=10))).convert("L"), dtype=np.int16)
    first_tile = np.asarray(sheet, dtype=np.int16)[:90, :160]  # 480 x 270 frames make 160 x 90 tiles
    assert np.abs(np.diff(first_tile, axis=1)).max() < np.abs(np.diff(frame, axis=1)).max() / 3


def test_not_a_video_is_refused_with_a_message():
    with pytest.raises(UnsupportedVideoError) as info:
        hash_video(b"\x00\x01not a video" * 100)
    assert "MP4" in info.value.message
    with pytest.raises(VideoHashError):
        hash_video(b"")


def test_caps_on_bytes_and_frame_size(settings):
    data = videogen.video(6, seconds=2, fps=10, size=(320, 180))
    settings.REPORTAL_VIDEO_MAX_BYTES = len(data) - 1
    with pytest.raises(VideoTooLargeError):
        hash_video(data)
    settings.REPORTAL_VIDEO_MAX_BYTES = len(data)
    settings.REPORTAL_HASH_MAX_DECODED_PIXELS = 320 * 180 - 1
    with pytest.raises(VideoTooLargeError) as info:
        hash_video(data)
    assert "320 x 180" in info.value.message


@contextmanager
def _counting_server() -> Iterator[tuple[int, list[str]]]:
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], hits
    finally:
        server.shutdown()
        server.server_close()


def test_playlists_never_make_ffmpeg_open_other_addresses():
    with _counting_server() as (port, hits):
        playlist = f"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nhttp://127.0.0.1:{port}/seg.ts\n#EXT-X-ENDLIST\n"
        concat = f"ffconcat version 1.0\nfile http://127.0.0.1:{port}/part.mp4\n"
        for hostile in (playlist, concat):
            with pytest.raises(UnsupportedVideoError):
                hash_video(hostile.encode())
            with pytest.raises(UnsupportedVideoError):
                contact_sheet(hostile.encode())
        assert hits == []
        # Without reportal's demuxer list, FFmpeg's HLS demuxer does fetch the segment: the guard is what stops it.
        with pytest.raises(av.FFmpegError):
            av.open(io.BytesIO(playlist.encode()), format="hls").close()
        assert hits == ["/seg.ts"]


def test_decoding_stops_at_the_pixel_budget(settings):
    data = videogen.video(12, seconds=4, fps=10, size=(160, 90))
    settings.REPORTAL_VIDEO_MAX_DECODED_PIXELS = 160 * 90 * 15  # fifteen frames' worth
    hashes = hash_video(data)
    assert [f.timestamp_s for f in hashes.frames] == [0.0, 1.0] and hashes.truncated


def test_a_busy_video_decoder_answers_503_to_try_again(client, keys, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from reportal.hashes import video
    from tests.hashes.conftest import auth

    monkeypatch.setattr(video, "VIDEO_WAIT_SECONDS", 0.05)
    data = videogen.video(13, seconds=1, fps=5, size=(160, 90))

    def post():  # type: ignore[no-untyped-def]
        return client.post("/h/hash", {"video": SimpleUploadedFile("v.mp4", data)}, **auth(keys.match))

    with video.video_decode_slot():  # another request is decoding a video
        busy = post()
    assert busy.status_code == 503 and busy["Retry-After"] == "30"
    assert "Try again" in busy.json()["message"]
    assert post().status_code == 200


@pytest.mark.parametrize("damage", ["cut in half", "first kilobyte", "noise in the middle"])
def test_damaged_videos_give_frames_or_a_clear_error(damage):
    data = bytearray(videogen.video(14, seconds=3, fps=10, size=(160, 90)))
    if damage == "cut in half":
        data = data[: len(data) // 2]
    elif damage == "first kilobyte":
        data = data[:1024]
    else:
        rng = np.random.default_rng(1)
        middle = len(data) // 2
        data[middle : middle + 2000] = rng.integers(0, 256, 2000, dtype=np.uint8).tobytes()
    # Every refusal is one of the image errors callers already show (a translated sentence saying what to send).
    try:
        hashes = hash_video(bytes(data))
    except ImageHashError as exc:
        assert "Send" in exc.message
    else:
        assert 1 <= len(hashes.frames) <= 3
    try:
        assert Image.open(io.BytesIO(contact_sheet(bytes(data)))).mode == "L"
    except ImageHashError as exc:
        assert "Send" in exc.message
