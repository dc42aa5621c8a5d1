// The properties panel's "complaintflow" group beside bpmn-js's standard ones: the form of a user
// task (a choice among the deployment's form files), its candidate department and assignee
// variables, a timer's deadline rule (slaRule), and the condition of a sequence flow, which the
// standard BPMN provider does not edit.
import { Group, SelectEntry, TextFieldEntry, TextAreaEntry, isSelectEntryEdited, isTextFieldEntryEdited,
  isTextAreaEntryEdited } from "@bpmn-io/properties-panel";
import { useService } from "bpmn-js-properties-panel";
import { getBusinessObject, is } from "bpmn-js/lib/util/ModelUtil";
import { getProperty, setProperty } from "./properties.js";

const USER_TASK_TEXTS = [
  ["candidateDepartment", "Candidate department (variable)"],
  ["assigneeVariable", "Assignee (variable)"],
  ["completedByVariable", "Completed by (variable)"],
];

function services() {
  return { bpmnFactory: useService("bpmnFactory"), commandStack: useService("commandStack"),
           translate: useService("translate"), debounce: useService("debounceInput") };
}

function PropertyText({ element, id, name, label }) {
  const { translate, debounce, ...deps } = services();
  return TextFieldEntry({ element, id, label: translate(label), debounce,
    getValue: () => getProperty(element, name), setValue: (value) => setProperty(element, name, value, deps) });
}

function FormSelect({ element, id, forms }) {
  const { translate, debounce: _unused, ...deps } = services();
  const getOptions = () => {
    const current = getProperty(element, "formJsonSchemaFilename");
    const names = current && !forms.includes(current) ? [...forms, current] : forms;
    return [{ value: "", label: translate("(no form)") }, ...names.map((n) => ({
      value: n, label: forms.includes(n) ? n : `${n} (${translate("not in this deployment")})` }))];
  };
  return SelectEntry({ element, id, label: translate("Form"), getOptions,
    getValue: () => getProperty(element, "formJsonSchemaFilename"),
    setValue: (value) => setProperty(element, "formJsonSchemaFilename", value, deps) });
}

function Condition({ element, id }) {
  const { translate, debounce, bpmnFactory, commandStack } = services();
  const bo = getBusinessObject(element);
  const setValue = (value) => {
    const expression = value ? bpmnFactory.create("bpmn:FormalExpression", { body: value }) : undefined;
    commandStack.execute("element.updateProperties", { element, properties: { conditionExpression: expression } });
  };
  return TextAreaEntry({ element, id, label: translate("Condition expression"), debounce, setValue,
    getValue: () => (bo.conditionExpression ? bo.conditionExpression.body || "" : "") });
}

const isTimer = (element) => (getBusinessObject(element).eventDefinitions || [])
  .some((d) => is(d, "bpmn:TimerEventDefinition"));

function entriesFor(element, forms) {
  if (is(element, "bpmn:UserTask")) {
    return [{ id: "cf-form", component: FormSelect, forms, isEdited: isSelectEntryEdited },
      ...USER_TASK_TEXTS.map(([name, label]) => ({ id: `cf-${name}`, name, label, component: PropertyText,
        isEdited: isTextFieldEntryEdited }))];
  }
  if (isTimer(element)) {
    return [{ id: "cf-slaRule", name: "slaRule", label: "Deadline rule (slaRule)", component: PropertyText,
      isEdited: isTextFieldEntryEdited }];
  }
  return [];
}

function conditionGroup(element, translate) {
  const source = element.source;
  if (!is(element, "bpmn:SequenceFlow") || !source || is(source, "bpmn:ParallelGateway")) return null;
  return { id: "cf-condition", label: translate("Condition"), component: Group,
    entries: [{ id: "cf-conditionExpression", component: Condition, isEdited: isTextAreaEntryEdited }] };
}

export default function ComplaintflowProvider(propertiesPanel, translate, config) {
  const forms = (config && config.forms) || [];
  this.getGroups = (element) => (groups) => {
    const entries = entriesFor(element, forms);
    const condition = conditionGroup(element, translate);
    const general = groups.findIndex((g) => g.id === "general");
    const extra = [condition, entries.length ? { id: "complaintflow", label: translate("Complaint handling"), component: Group,
      entries }
      : null].filter(Boolean);
    groups.splice(general + 1, 0, ...extra);
    return groups;
  };
  propertiesPanel.registerProvider(400, this);
}
ComplaintflowProvider.$inject = ["propertiesPanel", "translate", "config.complaintflow"];
