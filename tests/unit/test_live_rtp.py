"""H.264 over RTP for the simulator's RTSP server (RFC 6184): NAL units split from Annex B, large
ones fragmented as FU-A and reassembled bit for bit, the marker bit on a frame's last packet, the
interleaved framing, and an SDP whose sprop-parameter-sets are the stream's own SPS/PPS."""

from __future__ import annotations

import base64
import struct

from dashboard.live.rtp import FU_A, RtpPacketizer, nal_units, parameter_sets, payloads, sdp

SPS = bytes([0x67, 0x42, 0xC0, 0x1E]) + b"\x11" * 10
PPS = bytes([0x68, 0xCE, 0x3C, 0x80])
IDR = bytes([0x65]) + bytes(range(256)) * 20  # 5121 bytes: four fragments of 1398


def _reassemble(parts: list[bytes]) -> bytes:
    first = parts[0]
    nal = bytes([(first[0] & 0xE0) | (first[1] & 0x1F)])  # F and NRI from the indicator, the type from the header
    return nal + b"".join(p[2:] for p in parts)


def test_annex_b_splits_into_nal_units_with_either_start_code():
    stream = b"\x00\x00\x00\x01" + SPS + b"\x00\x00\x01" + PPS + b"\x00\x00\x00\x01" + IDR
    assert nal_units(stream) == [SPS, PPS, IDR]
    assert parameter_sets(stream) == (SPS, PPS)
    assert parameter_sets(b"\x00\x00\x01" + IDR) is None


def test_large_nal_units_are_fragmented_as_fu_a_and_reassemble_exactly():
    assert list(payloads(SPS)) == [SPS]  # small: a single NAL unit packet
    parts = list(payloads(IDR, 1400))
    assert len(parts) == 4 and all(len(p) <= 1400 for p in parts)
    assert [bool(p[1] & 0x80) for p in parts] == [True, False, False, False]   # S
    assert [bool(p[1] & 0x40) for p in parts] == [False, False, False, True]   # E
    assert all(p[0] == (IDR[0] & 0xE0) | FU_A and p[1] & 0x1F == 5 for p in parts)
    assert _reassemble(parts) == IDR


def test_packets_of_a_frame_share_its_timestamp_and_only_the_last_is_marked():
    rtp = RtpPacketizer(ssrc=0x1234, first_seq=0xFFFE)
    packets = rtp.access_unit(b"\x00\x00\x00\x01" + SPS + b"\x00\x00\x00\x01" + PPS + b"\x00\x00\x01" + IDR, 9000)
    headers = [struct.unpack("!BBHII", p[:12]) for p in packets]
    assert len(packets) == 2 + 4
    assert all(h[0] == 0x80 and h[1] & 0x7F == 96 and h[3] == 9000 and h[4] == 0x1234 for h in headers)
    assert [h[1] >> 7 for h in headers] == [0, 0, 0, 0, 0, 1]
    assert [h[2] for h in headers] == [0xFFFE, 0xFFFF, 0, 1, 2, 3]  # sequence numbers wrap
    framed = rtp.interleaved(packets[0])
    assert framed[:1] == b"$" and framed[1] == 0 and struct.unpack("!H", framed[2:4])[0] == len(packets[0])


def test_sdp_names_h264_with_its_parameter_sets():
    text = sdp("CAM 7", SPS, PPS, 42)
    assert "m=video 0 RTP/AVP 96" in text and "a=rtpmap:96 H264/90000" in text
    fmtp = next(line for line in text.split("\r\n") if line.startswith("a=fmtp:96"))
    assert "packetization-mode=1" in fmtp and "profile-level-id=42C01E" in fmtp
    sprop = fmtp.split("sprop-parameter-sets=")[1]
    assert [base64.b64decode(p) for p in sprop.split(",")] == [SPS, PPS]
