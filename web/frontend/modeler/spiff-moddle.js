// The SpiffWorkflow extension elements our diagrams carry, described for bpmn-moddle. Once the
// namespace is known to moddle, an element of it without a type here would be dropped on import,
// so every spiffworkflow:* element used in processes/ is listed, even those the panel never edits.
const text = (name) => ({ name, superClass: ["Element"], properties: [{ name: "value", isBody: true, type: "String" }] });

export default {
  name: "SpiffWorkflow",
  uri: "http://spiffworkflow.org/bpmn/schema/1.0/core",
  prefix: "spiffworkflow",
  xml: { tagAlias: "lowerCase" },
  associations: [],
  types: [
    { name: "Properties", superClass: ["Element"],
      properties: [{ name: "properties", type: "Property", isMany: true }] },
    { name: "Property", superClass: ["Element"],
      properties: [{ name: "name", isAttr: true, type: "String" }, { name: "value", isAttr: true, type: "String" }] },
    { name: "ServiceTaskOperator", superClass: ["Element"],
      properties: [{ name: "id", isAttr: true, type: "String" }, { name: "resultVariable", isAttr: true, type: "String" },
                   { name: "parameters", type: "Parameters" }] },
    { name: "Parameters", superClass: ["Element"],
      properties: [{ name: "parameters", type: "Parameter", isMany: true }] },
    { name: "Parameter", superClass: ["Element"],
      properties: [{ name: "id", isAttr: true, type: "String" }, { name: "type", isAttr: true, type: "String" },
                   { name: "value", isAttr: true, type: "String" }] },
    text("PreScript"), text("PostScript"), text("MessagePayload"), text("MessageVariable"), text("CalledDecisionId"),
  ],
};
