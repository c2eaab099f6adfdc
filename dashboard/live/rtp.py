"""H.264 over RTP (RFC 6184) for the camera simulator's RTSP server: Annex B access units split
into NAL units, each sent whole (single NAL unit packet) or in FU-A fragments, RTP headers per
RFC 3550, and the RTSP TCP-interleaved framing (RFC 2326 §10.12: `$`, channel, length)."""

from __future__ import annotations

import base64
import struct
from collections.abc import Iterator

PAYLOAD_TYPE = 96
CLOCK_RATE = 90_000
MAX_PAYLOAD = 1400      # an RTP payload this size fits a 1500-byte MTU with IP/UDP/RTP headers
FU_A = 28
NAL_SPS, NAL_PPS = 7, 8


def nal_units(annex_b: bytes) -> list[bytes]:
    """The NAL units of an Annex B byte stream (start codes 00 00 01 or 00 00 00 01 removed)."""
    units = []
    for part in annex_b.split(b"\x00\x00\x01")[1:]:
        nal = part.rstrip(b"\x00")  # the zero byte of a 4-byte start code, trailing_zero_8bits
        if nal:
            units.append(nal)
    return units


def payloads(nal: bytes, max_payload: int = MAX_PAYLOAD) -> Iterator[bytes]:
    """RTP payloads for one NAL unit: itself if it fits, else FU-A fragments (RFC 6184 §5.8)."""
    if len(nal) <= max_payload:
        yield nal
        return
    indicator = (nal[0] & 0xE0) | FU_A          # F and NRI of the NAL, type 28
    nal_type = nal[0] & 0x1F
    body = nal[1:]
    step = max_payload - 2
    for start in range(0, len(body), step):
        first, last = start == 0, start + step >= len(body)
        header = (0x80 if first else 0) | (0x40 if last else 0) | nal_type
        yield bytes((indicator, header)) + body[start:start + step]


class RtpPacketizer:
    """Numbers packets and stamps them; `access_unit` gives the RTP packets of one frame, the
    marker bit on its last packet."""

    def __init__(self, ssrc: int, first_seq: int = 0, channel: int = 0):
        self.ssrc = ssrc
        self.seq = first_seq & 0xFFFF
        self.channel = channel

    def access_unit(self, annex_b: bytes, timestamp: int) -> list[bytes]:
        parts = [p for nal in nal_units(annex_b) for p in payloads(nal)]
        packets = []
        for i, payload in enumerate(parts):
            marker = 0x80 if i == len(parts) - 1 else 0
            header = struct.pack("!BBHII", 0x80, marker | PAYLOAD_TYPE, self.seq, timestamp & 0xFFFFFFFF, self.ssrc)
            self.seq = (self.seq + 1) & 0xFFFF
            packets.append(header + payload)
        return packets

    def interleaved(self, packet: bytes) -> bytes:
        return struct.pack("!cBH", b"$", self.channel, len(packet)) + packet


def sdp(session_name: str, sps: bytes, pps: bytes, session_id: int) -> str:
    """The session description DESCRIBE answers: one H.264 video track, its parameter sets inline."""
    sprop = ",".join(base64.b64encode(p).decode("ascii") for p in (sps, pps))
    profile_level_id = sps[1:4].hex().upper()
    return "\r\n".join([
        "v=0", f"o=- {session_id} 1 IN IP4 127.0.0.1", f"s={session_name}", "c=IN IP4 0.0.0.0", "t=0 0",
        "a=control:*", f"m=video 0 RTP/AVP {PAYLOAD_TYPE}", f"a=rtpmap:{PAYLOAD_TYPE} H264/{CLOCK_RATE}",
        f"a=fmtp:{PAYLOAD_TYPE} packetization-mode=1;profile-level-id={profile_level_id};"
        f"sprop-parameter-sets={sprop}",
        "a=control:trackID=0", ""])


def parameter_sets(annex_b: bytes) -> tuple[bytes, bytes] | None:
    """(SPS, PPS) from an Annex B keyframe, or None."""
    units = nal_units(annex_b)
    sps = next((u for u in units if u[0] & 0x1F == NAL_SPS), None)
    pps = next((u for u in units if u[0] & 0x1F == NAL_PPS), None)
    return (sps, pps) if sps and pps else None
