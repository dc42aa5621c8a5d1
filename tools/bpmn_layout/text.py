"""How big a label's text is drawn: bpmn-js writes 11 px Arial, a CJK glyph about 11 px wide."""
from __future__ import annotations

import math

LINE_HEIGHT = 14
LABEL_WIDTH = 90  # bpmn-js's external label width; longer names wrap


def text_width(text: str) -> float:
    return sum(11.5 if ord(ch) > 0x2E80 else 6.5 for ch in text)


def label_size(text: str, max_width: int = LABEL_WIDTH) -> tuple[int, int]:
    """Width and height of a label box that holds ``text`` wrapped at ``max_width``."""
    width = text_width(text)
    lines = max(1, math.ceil(width / max_width))
    return (max_width if lines > 1 else math.ceil(width) + 6), lines * LINE_HEIGHT + 2
