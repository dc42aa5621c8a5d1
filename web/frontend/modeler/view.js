// Where the modeler opens: at zoom 1 (text readable), scrolled to the chosen process's start event,
// with the pool's left edge just right of the palette so no lane label is hidden under it.
const MARGIN = 16;

function startOf(registry, processId) {
  const starts = registry.filter((e) => e.type === "bpmn:StartEvent" && e.businessObject.$parent
    && e.businessObject.$parent.id === processId);
  return starts[0] || registry.filter((e) => e.type === "bpmn:StartEvent")[0];
}

function poolOf(registry, processId) {
  return registry.filter((e) => e.type === "bpmn:Participant"
    && e.businessObject.processRef && e.businessObject.processRef.id === processId)[0];
}

function paletteWidth(container) {
  const palette = container.querySelector(".djs-palette");
  if (!palette) return 0;
  return palette.getBoundingClientRect().right - container.getBoundingClientRect().left;
}

export function openAtStart(modeler, container, processId) {
  const canvas = modeler.get("canvas"), registry = modeler.get("elementRegistry");
  const start = startOf(registry, processId);
  const pool = poolOf(registry, processId);
  canvas.zoom(1);
  const { width, height } = canvas.viewbox();
  const left = pool ? pool.x : (start ? start.x - 40 : 0);
  const top = pool && start && start.y + start.height < pool.y + height - MARGIN ? pool.y : (start ? start.y - height / 3 : 0);
  canvas.viewbox({ x: left - paletteWidth(container) - MARGIN, y: top - MARGIN, width, height });
}
