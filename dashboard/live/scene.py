"""A synthetic street scene for the camera simulator: a road, moving cars and a pedestrian, the
camera's label and a running clock, so motion and freshness are visible on every frame."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

CAR_COLOURS = ((200, 40, 40), (40, 90, 200), (230, 200, 40), (230, 230, 230))


@lru_cache(maxsize=4)
def _font(size: int):
    return ImageFont.load_default(size=size)


class Scene:
    def __init__(self, label: str, width: int = 320, height: int = 180):
        self.label = label
        self.width = width
        self.height = height
        self.seed = zlib.crc32(label.encode())  # each camera's scene differs, the same on every run

    def draw(self, t: float) -> Image.Image:
        """The frame at wall-clock time `t` (seconds since the epoch)."""
        w, h = self.width, self.height
        img = Image.new("RGB", (w, h), (70, 110, 70))
        d = ImageDraw.Draw(img)
        road_top, road_bottom = int(h * 0.45), int(h * 0.8)
        d.rectangle([0, road_top, w, road_bottom], fill=(55, 55, 60))
        d.rectangle([0, road_top - 8, w, road_top], fill=(150, 150, 150))
        for x in range(-40 + int(t * 10) % 40, w, 40):
            d.rectangle([x, (road_top + road_bottom) // 2 - 1, x + 20, (road_top + road_bottom) // 2 + 1],
                        fill=(230, 230, 230))
        for lane, speed in ((0, 70.0), (1, -45.0)):
            span = w + 80
            x = (self.seed % span + t * speed) % span - 60
            y = road_top + 6 + lane * (road_bottom - road_top) // 2
            colour = CAR_COLOURS[(self.seed >> (lane * 3)) % len(CAR_COLOURS)]
            d.rounded_rectangle([x, y, x + 52, y + 22], radius=5, fill=colour)
        px = (t * 25 + self.seed) % (w + 20) - 10
        d.ellipse([px, road_top - 28, px + 10, road_top - 18], fill=(240, 200, 160))
        d.rectangle([px + 2, road_top - 18, px + 8, road_top - 8], fill=(30, 60, 160))
        clock = datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M:%S.") + f"{int(t * 10) % 10}Z"
        d.rectangle([0, 0, w, 20], fill=(0, 0, 0))
        d.text((4, 3), self.label, font=_font(13), fill=(255, 255, 255))
        d.text((w - 4, 3), clock, font=_font(13), fill=(255, 230, 120), anchor="ra")
        return img
