"""``python -m tools.bpmn_layout FILE...``: re-lay out each BPMN file's diagram (a DMN file's DRD) in place."""
from __future__ import annotations

import sys
from pathlib import Path

from tools.bpmn_layout.dmn import relayout_dmn
from tools.bpmn_layout.layout import relayout


def main(argv: list[str]) -> int:
    for name in argv:
        path = Path(name)
        draw = relayout_dmn if path.suffix == ".dmn" else relayout
        path.write_text(draw(path.read_text(encoding="utf-8")), encoding="utf-8")
        print(f"laid out {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
