#!/usr/bin/env python3
"""Draw Saferoom's icon, icons/icon.png, at 1024x1024: a white keyhole on a teal rounded square.

The same drawing as the first 64x64 icon, as shapes, so every size the installers want (`npx tauri icon
icons/icon.png -o icons`, see `make icons`) is cut from a sharp picture rather than an enlarged one. Python's
standard library only: each pixel's coverage comes from its signed distance to the shapes (anti-aliased edges).
"""

import math
import struct
import sys
import zlib

SIZE = 1024
UNIT = SIZE / 64  # the first icon's pixel grid
TEAL = (31, 110, 110)
WHITE = (250, 250, 247)


def rounded_square(x, y):
    """Signed distance to the background square (inside < 0)."""
    left, top, right, bottom, radius = 2 * UNIT, 2 * UNIT, 62 * UNIT, 62 * UNIT, 8 * UNIT
    cx = min(max(x, left + radius), right - radius)
    cy = min(max(y, top + radius), bottom - radius)
    inside = left + radius <= x <= right - radius or top + radius <= y <= bottom - radius
    if inside and left <= x <= right and top <= y <= bottom:
        return -min(x - left, right - x, y - top, bottom - y)
    return math.hypot(x - cx, y - cy) - radius


def keyhole(x, y):
    """Signed distance to the keyhole: a circle over a stem that widens a little downwards."""
    circle = math.hypot(x - 32 * UNIT, y - 25.5 * UNIT) - 9 * UNIT
    top, bottom = 25 * UNIT, 46 * UNIT
    t = min(max((y - top) / (bottom - top), 0.0), 1.0)
    half_width = (2.6 + 1.0 * t) * UNIT
    across = abs(x - 32 * UNIT) - half_width
    along = max(top - y, y - bottom)
    stem = max(across, along)
    return min(circle, stem)


def coverage(distance):
    return min(max(0.5 - distance, 0.0), 1.0)


def pixel(x, y):
    square = coverage(rounded_square(x + 0.5, y + 0.5))
    if square == 0.0:
        return (0, 0, 0, 0)
    hole = coverage(keyhole(x + 0.5, y + 0.5))
    colour = [round(TEAL[i] * (1 - hole) + WHITE[i] * hole) for i in range(3)]
    return (*colour, round(255 * square))


def png(width, height, rows):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(value for rgba in row for value in rgba) for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "icons/icon.png"
    rows = [[pixel(x, y) for x in range(SIZE)] for y in range(SIZE)]
    with open(out, "wb") as file:
        file.write(png(SIZE, SIZE, rows))


if __name__ == "__main__":
    main()
