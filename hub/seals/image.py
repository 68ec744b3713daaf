"""The seal picture: a red round stamp, the unit's name along the upper arc, a five-pointed
star in the middle, drawn as SVG. Presentation only: the key is what the signature proves."""

from __future__ import annotations

import base64
import math
from xml.sax.saxutils import escape

RED = "#d7000f"
SIZE = 200


def _star(cx: float, cy: float, outer: float) -> str:
    inner = outer * 0.382
    points = []
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = math.radians(-90 + i * 36)
        points.append(f"{cx + radius * math.cos(angle):.2f},{cy + radius * math.sin(angle):.2f}")
    return " ".join(points)


def seal_svg(name: str, *, label: str = "电子印章") -> str:
    """The stamp for `name` (a unit's full name), 200×200 user units, deterministic."""
    c = SIZE / 2
    r_text = 66.0
    # The name runs clockwise over the top, from lower left (210°) to lower right (-30°),
    # spread to fill the arc whatever its length.
    start, end = math.radians(150), math.radians(30)
    x1, y1 = c - r_text * math.cos(math.radians(30)), c + r_text * math.sin(start)
    x2, y2 = c + r_text * math.cos(end), c + r_text * math.sin(end)
    arc_length = r_text * math.radians(240)
    size = max(12.0, min(24.0, arc_length / max(len(name), 1) * 0.85))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}" '
        f'width="{SIZE}" height="{SIZE}" role="img" aria-label="{escape(name)}印章">'
        f'<defs><path id="arc" d="M {x1:.2f} {y1:.2f} A {r_text} {r_text} 0 1 1 '
        f'{x2:.2f} {y2:.2f}"/></defs>'
        f'<circle cx="{c}" cy="{c}" r="94" fill="none" stroke="{RED}" stroke-width="6"/>'
        f'<text fill="{RED}" font-family="SimSun, STSong, Songti SC, Noto Serif CJK SC, serif" '
        f'font-weight="bold" font-size="{size:.1f}">'
        f'<textPath href="#arc" startOffset="50%" text-anchor="middle" '
        f'textLength="{arc_length * 0.92:.1f}" lengthAdjust="spacing">{escape(name)}</textPath>'
        f'</text>'
        f'<polygon points="{_star(c, c, 30)}" fill="{RED}"/>'
        f'<text x="{c}" y="{c + 52}" fill="{RED}" text-anchor="middle" font-size="14" '
        f'font-family="SimSun, STSong, Songti SC, Noto Serif CJK SC, serif">{escape(label)}</text>'
        f'</svg>'
    )


def seal_data_url(name: str) -> str:
    """The stamp as a data: URL for an <img> (the web client's CSP allows data: images)."""
    return "data:image/svg+xml;base64," + base64.b64encode(seal_svg(name).encode()).decode()
