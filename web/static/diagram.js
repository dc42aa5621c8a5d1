// Draws deployed BPMN files with bpmn-js's navigated viewer (served from web/static/vendor) and
// marks their elements: data-states {id: completed|active|waiting|failed}, data-badges {id: text},
// data-heat {id: number} (coloured by share of the largest). Sets data-ready once drawn, so the
// browser tests (and people) know the marks are there.
(function () {
  "use strict";

  function badge(text, kind) {
    const el = document.createElement("div");
    el.className = "cf-badge cf-badge-" + kind;
    el.textContent = text;
    return el;
  }

  function heatClass(value, max) {
    const share = max > 0 ? value / max : 0;
    return "cf-heat-" + (share > 0.75 ? 4 : share > 0.5 ? 3 : share > 0.25 ? 2 : 1);
  }

  async function draw(container) {
    const viewer = new BpmnJS({ container: container });
    try {
      const response = await fetch(container.dataset.src, { credentials: "same-origin" });
      if (!response.ok) throw new Error(response.status + " " + response.statusText);
      await viewer.importXML(await response.text());
    } catch (err) {
      container.textContent = container.dataset.failText + " (" + err.message + ")";
      container.dataset.ready = "error";
      return;
    }
    const canvas = viewer.get("canvas"), overlays = viewer.get("overlays"), registry = viewer.get("elementRegistry");
    canvas.zoom("fit-viewport");
    const read = (name) => JSON.parse(container.dataset[name] || "{}");
    for (const [id, state] of Object.entries(read("states"))) {
      if (registry.get(id)) canvas.addMarker(id, "cf-" + state);
    }
    for (const [id, text] of Object.entries(read("badges"))) {
      if (registry.get(id)) overlays.add(id, { position: { bottom: -6, left: 0 }, html: badge(text, "info") });
    }
    const heat = read("heat"), max = Math.max(0, ...Object.values(heat));
    for (const [id, value] of Object.entries(heat)) {
      if (!registry.get(id)) continue;
      canvas.addMarker(id, heatClass(value, max));
      overlays.add(id, { position: { top: -14, right: 14 }, html: badge(String(value), "heat") });
    }
    for (const [id, text] of Object.entries(read("means"))) {
      if (registry.get(id)) overlays.add(id, { position: { bottom: -6, right: 40 }, html: badge(text, "mean") });
    }
    container.dataset.ready = "1";
  }

  document.querySelectorAll(".bpmn[data-src]").forEach(draw);
})();
