// The process owners' editor: bpmn-js's modeler with its properties panel (standard groups plus
// complaintflow's), in the page's language, opened readable at the chosen process's start event.
// Bundled by esbuild at set-up (make vendor) into web/static/vendor/modeler.js.
import BpmnModeler from "bpmn-js/lib/Modeler";
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from "bpmn-js-properties-panel";
import "@bpmn-io/properties-panel/assets/properties-panel.css";
import "./modeler.css";
import spiffModdle from "./spiff-moddle.js";
import ComplaintflowProvider from "./provider.js";
import DebounceInput from "./debounce.js";
import Problems from "./problems.js";
import { translateModule } from "./translations/index.js";
import { openAtStart } from "./view.js";
import { postDiagram } from "./deploy.js";

const $ = (id) => document.getElementById(id);
// What process owners edit most is open from the start; the rest stays folded.
const OPEN_GROUPS = Object.fromEntries(["general", "timer", "cf-condition", "complaintflow"]
  .map((id) => [id, { open: true }]));

function createModeler(root) {
  return new BpmnModeler({
    container: $("canvas"),
    propertiesPanel: { parent: $("properties"), layout: { groups: OPEN_GROUPS } },
    complaintflow: { forms: JSON.parse(root.dataset.forms || "[]") },
    moddleExtensions: { spiffworkflow: spiffModdle },
    additionalModules: [
      BpmnPropertiesPanelModule, BpmnPropertiesProviderModule,
      { __init__: ["complaintflowProvider"], complaintflowProvider: ["type", ComplaintflowProvider] },
      { debounceInput: ["factory", DebounceInput] },
      translateModule(document.documentElement.lang),
    ],
  });
}

function showVersion(root, process, deployed) {
  const number = deployed.versions[process];
  if (!number) return;
  $("version-number").textContent = number;
  if (deployed.version) {
    $("version-when").textContent = deployed.version.deployed_at;
    $("version-by").textContent = deployed.version.deployed_by;
  }
}

async function deploy(root, modeler, problems, force) {
  modeler.get("debounceInput").flush();  // what was typed last is part of the diagram
  problems.clear();
  const status = $("save-status");
  status.textContent = "…";
  const { xml } = await modeler.saveXML({ format: true });
  const outcome = await postDiagram(root, xml, force);
  if (outcome.drift) {
    status.textContent = outcome.drift.message;
    if (window.confirm(outcome.drift.message)) await deploy(root, modeler, problems, true);
    return;
  }
  if (outcome.problems) {
    status.textContent = "✗ " + (root.dataset.rejected || "");
    problems.show(outcome.problems);
    return;
  }
  const answer = outcome.deployed;
  root.dataset.package = answer.package_id;
  showVersion(root, root.dataset.process, answer);
  const versions = Object.entries(answer.versions).map(([k, v]) => `${k} v${v}`).join(", ");
  status.textContent = (answer.created ? "✓ " : "= ") + versions;
}

async function open(root) {
  const modeler = createModeler(root);
  const response = await fetch(root.dataset.src, { credentials: "same-origin" });
  const { warnings } = await modeler.importXML(await response.text());
  if (warnings.length) console.warn("diagram import", warnings);
  openAtStart(modeler, $("canvas"), root.dataset.process);
  const problems = Problems(modeler, $("problems"));
  $("save").addEventListener("click", () => deploy(root, modeler, problems, false));
  window.complaintflowModeler = modeler;  // for the browser tests and the curious: zoom, selection
  root.dataset.ready = "1";
}

const root = $("modeler");
if (root) open(root);
