// The process owners' editor: bpmn-js's modeler (served from web/static/vendor) with a small
// properties panel for what the checks care about most (names, timer expressions, conditions).
// "Check and deploy" posts the diagram to the server, which runs the same checks as the command
// line; each problem is shown beside its element, and a valid diagram becomes a new version.
(function () {
  "use strict";
  const root = document.getElementById("modeler");
  if (!root) return;
  const $ = (id) => document.getElementById(id);
  const modeler = new BpmnJS({ container: $("canvas"), keyboard: { bindTo: document } });
  const TIMER_KINDS = ["timeDuration", "timeDate", "timeCycle"];
  let selected = null;
  let problemOverlays = [];

  const timerOf = (bo) => (bo.eventDefinitions || []).find((d) => d.$type === "bpmn:TimerEventDefinition");

  function show(element) {
    selected = element;
    $("props").hidden = !element;
    $("prop-none").hidden = !!element;
    if (!element) return;
    const bo = element.businessObject;
    $("prop-id").textContent = bo.id;
    $("prop-type").textContent = bo.$type.replace("bpmn:", "");
    $("prop-name").value = bo.name || "";
    const timer = timerOf(bo);
    $("prop-timer-box").hidden = !timer;
    if (timer) {
      const kind = TIMER_KINDS.find((k) => timer[k]) || "timeDuration";
      $("prop-timer-kind").value = kind;
      $("prop-timer").value = timer[kind] ? timer[kind].body : "";
    }
    const isFlow = bo.$type === "bpmn:SequenceFlow";
    $("prop-condition-box").hidden = !isFlow;
    if (isFlow) $("prop-condition").value = bo.conditionExpression ? bo.conditionExpression.body : "";
  }

  function apply() {
    if (!selected) return;
    const modeling = modeler.get("modeling"), moddle = modeler.get("moddle");
    const bo = selected.businessObject;
    modeling.updateProperties(selected, { name: $("prop-name").value || undefined });
    const timer = timerOf(bo);
    if (timer) {
      const changes = {};
      TIMER_KINDS.forEach((k) => { changes[k] = undefined; });
      changes[$("prop-timer-kind").value] = moddle.create("bpmn:FormalExpression", { body: $("prop-timer").value });
      modeling.updateModdleProperties(selected, timer, changes);
    }
    if (bo.$type === "bpmn:SequenceFlow") {
      const text = $("prop-condition").value.trim();
      modeling.updateProperties(selected, {
        conditionExpression: text ? moddle.create("bpmn:FormalExpression", { body: text }) : undefined,
      });
    }
    $("save-status").textContent = root.dataset.unsaved || "";
  }

  function clearProblems() {
    const overlays = modeler.get("overlays"), canvas = modeler.get("canvas");
    problemOverlays.forEach(([overlay, id]) => { overlays.remove(overlay); canvas.removeMarker(id, "cf-failed"); });
    problemOverlays = [];
    $("problems").replaceChildren();
  }

  function showProblems(problems) {
    const overlays = modeler.get("overlays"), canvas = modeler.get("canvas"), registry = modeler.get("elementRegistry");
    for (const p of problems) {
      const item = document.createElement("li");
      item.textContent = [p.file, p.line ? "line " + p.line : "", p.element_id || "", p.message].filter(Boolean).join(" · ");
      $("problems").appendChild(item);
      if (p.element_id && registry.get(p.element_id)) {
        const note = document.createElement("div");
        note.className = "cf-problem";
        note.textContent = p.message;
        problemOverlays.push([overlays.add(p.element_id, { position: { bottom: -8, left: 0 }, html: note }), p.element_id]);
        canvas.addMarker(p.element_id, "cf-failed");
      }
    }
  }

  async function save(force) {
    clearProblems();
    $("save-status").textContent = "…";
    const { xml } = await modeler.saveXML({ format: true });
    const response = await fetch(root.dataset.save, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": root.dataset.csrf },
      body: JSON.stringify({ file: root.dataset.file, xml: xml, package_id: Number(root.dataset.package),
                             force: force === true }),
    });
    const answer = await response.json().catch(() => ({ problems: [{ message: response.statusText }] }));
    if (response.status === 409 && answer.drift) {  // deployed meanwhile: replace it only when the owner says so
      $("save-status").textContent = answer.drift.message;
      if (window.confirm(answer.drift.message)) return save(true);
      return;
    }
    if (!response.ok) {
      $("save-status").textContent = "✗";
      showProblems(answer.problems || [{ message: (answer.error || {}).message || response.statusText }]);
      return;
    }
    root.dataset.package = answer.package_id;
    const versions = Object.entries(answer.versions).map(([k, v]) => k + " v" + v).join(", ");
    $("save-status").textContent = (answer.created ? "✓ " : "= ") + versions;
  }

  async function open() {
    const response = await fetch(root.dataset.src, { credentials: "same-origin" });
    await modeler.importXML(await response.text());
    modeler.get("canvas").zoom("fit-viewport");
    modeler.on("selection.changed", (e) => show(e.newSelection.length === 1 ? e.newSelection[0] : null));
    root.dataset.ready = "1";
  }

  $("prop-apply").addEventListener("click", apply);
  $("save").addEventListener("click", () => save(false));
  open();
})();
