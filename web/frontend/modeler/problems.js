// A rejected deploy's problems: listed under the deploy button and written beside their element
// (a red marker and a note). Clicking a note or a list entry selects the element, so it can be
// fixed in the properties panel at once; the next deploy clears them.
export default function Problems(modeler, list) {
  const overlays = modeler.get("overlays"), canvas = modeler.get("canvas");
  const registry = modeler.get("elementRegistry"), selection = modeler.get("selection");
  let shown = [];

  const select = (element) => { selection.select(element); canvas.scrollToElement(element); };

  function clear() {
    shown.forEach(([overlay, id]) => { overlays.remove(overlay); canvas.removeMarker(id, "cf-failed"); });
    shown = [];
    list.replaceChildren();
  }

  function note(element, problem) {
    const div = document.createElement("div");
    div.className = "cf-problem";
    div.textContent = problem.message;
    if (problem.original && problem.original !== problem.message) div.title = problem.original;  // as the CLI says it
    div.addEventListener("click", () => select(element));
    shown.push([overlays.add(element.id, "cf-problem", { position: { bottom: -8, left: 0 }, html: div }), element.id]);
    canvas.addMarker(element.id, "cf-failed");
  }

  function item(problem, element) {
    const li = document.createElement("li");
    const text = [problem.file, problem.line ? `:${problem.line}` : "", problem.element_id ? ` ${problem.element_id}` : "",
      " · ", problem.message].join("");
    if (!element) { li.textContent = text; return li; }
    const button = document.createElement("button");
    button.type = "button";
    button.className = "link";
    button.textContent = text;
    button.addEventListener("click", () => select(element));
    li.appendChild(button);
    return li;
  }

  function show(problems) {
    for (const problem of problems) {
      const element = problem.element_id && registry.get(problem.element_id);
      list.appendChild(item(problem, element));
      if (element) note(element, problem);
    }
  }

  return { clear, show };
}
