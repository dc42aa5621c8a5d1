// Reading and writing the spiffworkflow:property entries of an element (form, department, deadline
// rule...): one undoable command per change, creating the extensionElements wrapper when missing.
import { getBusinessObject, is } from "bpmn-js/lib/util/ModelUtil";

const PROPERTIES = "spiffworkflow:Properties";

function propertiesOf(bo) {
  const ext = bo.get("extensionElements");
  return ext && (ext.get("values") || []).find((v) => is(v, PROPERTIES));
}

export function getProperty(element, name) {
  const props = propertiesOf(getBusinessObject(element));
  const found = props && props.get("properties").find((p) => p.name === name);
  return found ? found.value || "" : "";
}

const update = (element, moddleElement, properties) =>
  ({ cmd: "element.updateModdleProperties", context: { element, moddleElement, properties } });

function containerCommands(element, bpmnFactory) {
  const bo = getBusinessObject(element), commands = [];
  let ext = bo.get("extensionElements");
  if (!ext) {
    ext = bpmnFactory.create("bpmn:ExtensionElements", { values: [] });
    ext.$parent = bo;
    commands.push(update(element, bo, { extensionElements: ext }));
  }
  let props = propertiesOf(bo);
  if (!props) {
    props = bpmnFactory.create(PROPERTIES, { properties: [] });
    props.$parent = ext;
    commands.push(update(element, ext, { values: [...(ext.get("values") || []), props] }));
  }
  return { props, commands };
}

/** Set (or, with an empty value, remove) the property ``name``. */
export function setProperty(element, name, value, { bpmnFactory, commandStack }) {
  const { props, commands } = containerCommands(element, bpmnFactory);
  const list = props.get("properties"), found = list.find((p) => p.name === name);
  if (!value) {
    if (!found) return;
    commands.push(update(element, props, { properties: list.filter((p) => p !== found) }));
  } else if (found) {
    commands.push(update(element, found, { value }));
  } else {
    const created = bpmnFactory.create("spiffworkflow:Property", { name, value });
    created.$parent = props;
    commands.push(update(element, props, { properties: [...list, created] }));
  }
  commandStack.execute("properties-panel.multi-command-executor", commands);
}
