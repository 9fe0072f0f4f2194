"""A capture file (libpcap, Ethernet) of RFC 4733 DTMF events for sipp's play_pcap_audio, made
with the standard library: each digit as a phone sends it, updates while the key is held and
the end packet three times, all with the event's timestamp."""

from __future__ import annotations

import struct
from pathlib import Path

from caredesk.channels.voice.sip.dtmf import event_packet

EVENTS = {**{str(n): n for n in range(10)}, "*": 10, "#": 11}
_GLOBAL = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)


def _udp_frame(payload: bytes, src_port: int, dst_port: int) -> bytes:
    udp = struct.pack("!HHHH", src_port, dst_port, 8 + len(payload), 0) + payload
    total = 20 + len(udp)
    ip = struct.pack(
        "!BBHHHBBH4s4s",
        0x45,
        0,
        total,
        0,
        0,
        64,
        17,
        0,
        bytes([127, 0, 0, 1]),
        bytes([127, 0, 0, 1]),
    )
    ethernet = b"\x00" * 12 + b"\x08\x00"
    return ethernet + ip + udp


def write_digits(path: Path, digits: str, *, payload_type: int = 101, gap: float = 0.5) -> None:
    """`digits` keyed `gap` seconds apart, starting a tenth of a second in."""
    packets: list[tuple[float, bytes]] = []
    seq, ssrc = 1000, 0x5EED
    for index, digit in enumerate(digits):
        start = 0.1 + index * gap
        timestamp = 8000 * (1 + index)
        for step in range(8):
            end = step >= 5
            duration = 160 * min(step + 1, 6)
            rtp = event_packet(
                payload_type=payload_type,
                seq=seq,
                timestamp=timestamp,
                ssrc=ssrc,
                event=EVENTS[digit],
                end=end,
                duration=0 if step == 0 else duration,
            )
            seq += 1
            packets.append((start + 0.02 * min(step, 5), rtp))
    data = bytearray(_GLOBAL)
    for at, rtp in packets:
        frame = _udp_frame(rtp, 49176, 6000)
        seconds = int(at)
        data += struct.pack(
            "<IIII", seconds, int((at - seconds) * 1_000_000), len(frame), len(frame)
        )
        data += frame
    path.write_bytes(bytes(data))
