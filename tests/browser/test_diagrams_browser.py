"""Every process diagram opens in bpmn-js, the viewer the console and modelers build on, without a warning,
and is photographed at a readable zoom (1:1) for docs/: ``make screenshots`` keeps the pictures."""
from __future__ import annotations

import pytest

from runtime.config import PROJECT_ROOT
from tests.browser.conftest import screenshot

VENDOR = PROJECT_ROOT / "web" / "static" / "vendor"
DIAGRAMS = sorted((PROJECT_ROOT / "processes").glob("*.bpmn"))
PAGE = "<!doctype html><html><body style='margin:0;background:#fff'><div id='canvas'></div></body></html>"
# Import the XML, then size the canvas to the whole drawing so the picture is at 100 %.
SHOW = """async (xml) => {
  const viewer = window.__viewer = new BpmnJS({container: '#canvas'});
  const {warnings} = await viewer.importXML(xml);
  const box = viewer.get('canvas').getActiveLayer().getBBox();
  const canvas = document.getElementById('canvas');
  canvas.style.width = (box.x + box.width + 40) + 'px';
  canvas.style.height = (box.y + box.height + 40) + 'px';
  viewer.get('canvas').resized();
  viewer.get('canvas').viewbox({x: 0, y: 0, width: box.x + box.width + 40, height: box.y + box.height + 40});
  return {warnings: warnings.map(w => w.message), width: box.x + box.width + 40, height: box.y + box.height + 40};
}"""


# bpmn-js keeps a label's DI position and width and grows its height to the wrapped text: a label drawn
# taller or wider than its DI box would cover what the geometry test saw as free.
OVERFLOWING_LABELS = """() => window.__viewer.get('elementRegistry').filter(e => e.type === 'label').flatMap(e => {
  const di = e.labelTarget.di && e.labelTarget.di.label && e.labelTarget.di.label.bounds;
  if (!di || (e.width <= di.width + 2 && e.height <= di.height + 2)) return [];
  return [`${e.labelTarget.id}: drawn ${e.width}x${Math.round(e.height)} in a ${di.width}x${di.height} box`];
})"""


def show(context, bundle: str, xml: str):
    """A blank page with one bpmn-js bundle that imports ``xml``; returns the page and what import reported."""
    page = context.new_page()
    page.set_content(PAGE)
    for css in ("diagram-js.css", "bpmn-js.css"):
        page.add_style_tag(path=str(VENDOR / css))
    page.add_script_tag(path=str(VENDOR / bundle))
    return page, page.evaluate(SHOW, xml)


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_the_diagram_opens_in_bpmn_js_without_warnings(browser, path):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    try:
        page, shown = show(context, "bpmn-navigated-viewer.production.min.js", path.read_text(encoding="utf-8"))
        assert shown["warnings"] == [], f"{path.name}: {shown['warnings']}"
        page.set_viewport_size({"width": int(shown["width"]), "height": int(shown["height"])})
        assert page.locator(".djs-element.djs-shape").count() > 5
        assert page.evaluate(OVERFLOWING_LABELS) == [], path.name
        screenshot(page, f"diagram-{path.stem}")
    finally:
        context.close()


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_the_diagram_opens_in_the_modeler_without_warnings(browser, path):
    """The modeler bundle is what Camunda Modeler and the console's editor build on: same import, editable."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    try:
        _, shown = show(context, "bpmn-modeler.production.min.js", path.read_text(encoding="utf-8"))
        assert shown["warnings"] == [], f"{path.name}: {shown['warnings']}"
    finally:
        context.close()
