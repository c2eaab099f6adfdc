"""What kind of stream a device serves, told from its address (kept on the server)."""

from __future__ import annotations

from urllib.parse import urlsplit

STREAM_KINDS = ("hls", "mjpeg", "rtsp")
RELAYED_KINDS = ("hls", "mjpeg", "rtsp")
PLAYLIST_KINDS = ("hls", "rtsp")  # played by hls.js from the relay's index.m3u8


def stream_kind(url: str | None) -> str:
    """`hls` for an .m3u8 playlist, `rtsp` for rtsp(s):// (relayed as HLS), else `mjpeg`
    (an HTTP multipart stream of JPEG frames)."""
    parts = urlsplit(url or "")
    if parts.scheme.lower() in ("rtsp", "rtsps"):
        return "rtsp"
    if parts.path.lower().endswith(".m3u8"):
        return "hls"
    return "mjpeg"
