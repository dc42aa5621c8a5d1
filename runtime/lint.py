"""Our own checks of process files, run before anything is deployed.

SpiffWorkflow parses scripts and conditions only when they run, accepts unquoted ISO timer texts
that then fail at run time, and silently mishandles event subprocesses in 3.2.0. These checks
catch all of that at upload, each problem naming the file, the element and the line.
"""
from __future__ import annotations

import ast
import json
import re
from datetime import datetime
from collections.abc import Iterable

from jsonschema import Draft202012Validator, SchemaError
from lxml import etree
from RestrictedPython import compile_restricted

from runtime.errors import Problem
from runtime import form_rules
from runtime.bpmn_ns import BPMN, NS
from runtime.code_bounds import BoundedPolicy
from runtime.roles import role_for_lane
from runtime.sandbox_policy import BUILTIN_NAMES

ISO_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
ISO_CYCLE = re.compile(r"^R\d*/")
ZERO_PERIOD = re.compile(r"/P(T?(0+[YMWDHS])+|T)$|/PT?0+[YMWDHS]?$")
MAX_CODE = 20_000  # characters of one script or expression
LOOKS_LIKE_ISO = re.compile(r"^(P|R\d*$|PT)", re.I)
TIMER_KINDS = {"timeDuration": "duration", "timeDate": "date", "timeCycle": "cycle"}


class Linter:
    def __init__(self, functions: Iterable[str], services: Iterable[str], forms: dict[str, bytes]):
        self.functions = frozenset(functions)
        self.services = frozenset(services)
        self.forms = forms
        self.problems: list[Problem] = []

    def add(self, file: str, element, message: str) -> None:
        element_id = _owner_id(element) if element is not None else None
        line = element.sourceline if element is not None else None
        self.problems.append(Problem(file, message, element_id=element_id, line=line))

    # -- BPMN -------------------------------------------------------------------------------
    def check_bpmn(self, name: str, tree: etree._ElementTree) -> None:
        root = tree.getroot()
        if root.tag != f"{{{BPMN}}}definitions":
            self.add(name, root, f"not a BPMN 2.0 file: the root element is <{etree.QName(root).localname}>, "
                                 "expected <bpmn:definitions>")
            return
        if not list(tree.iterfind(".//bpmn:process", NS)):
            self.add(name, root, "the file holds no process to run")
        for process in tree.iterfind(".//bpmn:process", NS):
            if not process.get("id"):
                self.add(name, process, "every process needs an id")
            self._check_flows(name, process)
        for sub in tree.xpath(".//bpmn:subProcess[@triggeredByEvent='true']", namespaces=NS):
            self.add(name, sub, "event subprocesses are not supported (broken in SpiffWorkflow 3.2.0); "
                                "use a boundary event on a task or subprocess instead")
        self._check_lanes(name, tree)
        self._check_code(name, tree)
        self._check_timers(name, tree)
        self._check_services(name, tree)
        self._check_forms(name, tree)

    def _check_flows(self, name, process) -> None:
        ids = {el.get("id") for el in process.iter() if el.get("id")}
        for flow in process.iterfind(".//bpmn:sequenceFlow", NS):
            for end in ("sourceRef", "targetRef"):
                if flow.get(end) not in ids:
                    self.add(name, flow, f"sequence flow points to '{flow.get(end)}' ({end}), "
                                         "which is not an element of this process")

    def _check_lanes(self, name, tree) -> None:
        in_lane: set[str] = set()
        for lane in tree.iterfind(".//bpmn:lane", NS):
            if role_for_lane(lane.get("name")) is None:
                self.add(name, lane, f"lane '{lane.get('name') or ''}' names no known role")
            in_lane.update(ref.text.strip() for ref in lane.iterfind("bpmn:flowNodeRef", NS) if ref.text)
        for task in tree.iterfind(".//bpmn:userTask", NS):
            if task.get("id") not in in_lane and not _inside_laned_subprocess(task, in_lane):
                self.add(name, task, "user task is in no lane, so no role could claim it")

    def _check_code(self, name, tree) -> None:
        for cond in tree.iterfind(".//bpmn:conditionExpression", NS):
            self.check_expression(name, cond, cond.text, "condition")
        for script in tree.iterfind(".//bpmn:script", NS):
            self.check_script(name, script, script.text)
        for tag in ("preScript", "postScript"):
            for script in tree.iterfind(f".//spiffworkflow:{tag}", NS):
                self.check_script(name, script, script.text)
        for param in tree.iterfind(".//spiffworkflow:parameter", NS):
            self.check_expression(name, param, param.get("value"), "service parameter")

    def _check_timers(self, name, tree) -> None:
        for tag, kind in TIMER_KINDS.items():
            for el in tree.iterfind(f".//bpmn:timerEventDefinition/bpmn:{tag}", NS):
                event = el.getparent().getparent()  # name the timer event, not its definition
                self.check_timer(name, event, (el.text or "").strip(), kind)

    def _check_services(self, name, tree) -> None:
        for task in tree.iterfind(".//bpmn:serviceTask", NS):
            op = task.find(".//spiffworkflow:serviceTaskOperator", NS)
            if op is None or not op.get("id"):
                self.add(name, task, "service task names no handler (spiffworkflow:serviceTaskOperator)")
            elif op.get("id") not in self.services:
                self.add(name, task, f"no handler is registered for service '{op.get('id')}'")

    def _check_forms(self, name, tree) -> None:
        for prop in tree.xpath(".//spiffworkflow:property[@name='formJsonSchemaFilename']", namespaces=NS):
            form = prop.get("value") or ""
            if form not in self.forms:
                self.add(name, prop, f"form file '{form}' is not part of the deployment")

    # -- code -------------------------------------------------------------------------------
    def check_expression(self, name, element, text, what: str) -> ast.AST | None:
        if text is None or not text.strip():
            self.add(name, element, f"{what} is empty")
            return None
        return self._compile(name, element, text.strip(), "eval", what)

    def check_script(self, name, element, text) -> None:
        if text and text.strip():
            self._compile(name, element, text, "exec", "script")

    def _compile(self, name, element, text, mode, what) -> ast.AST | None:
        tree, problem = _parsed(text, mode, what)
        if tree is None:
            self.add(name, element, problem)
            return None
        for func in (n.func for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)):
            if func.id not in self.functions | BUILTIN_NAMES:
                self.add(name, element, f"{what} calls '{func.id}', which is not a whitelisted function")
        return tree

    def check_timer(self, name, element, text: str, kind: str) -> None:
        if LOOKS_LIKE_ISO.match(text) and not text.startswith(("'", '"')):
            self.add(name, element, f"timer expression {text} must be quoted, like \"{text}\" "
                                    "(timer texts are expressions)")
            return
        tree = self.check_expression(name, element, text, "timer expression")
        body = getattr(tree, "body", None)
        if not isinstance(body, ast.Constant):
            return
        value = body.value
        message = _constant_timer_problem(value, kind)
        if message:
            self.add(name, element, message)

    # -- DMN and forms ----------------------------------------------------------------------
    def check_dmn(self, name: str, tree: etree._ElementTree) -> None:
        for el in tree.xpath("//*[local-name()='inputExpression']/*[local-name()='text']"):
            self.check_expression(name, el, el.text, "decision input")
        for el in tree.xpath("//*[local-name()='outputEntry']/*[local-name()='text']"):
            if el.text and el.text.strip():
                self.check_expression(name, el, el.text, "decision output")

    def check_form(self, name: str, content: bytes) -> None:
        try:
            schema = json.loads(content)
            Draft202012Validator.check_schema(schema)
            self.problems.extend(Problem(name, message) for message in form_rules.problems(schema))
        except json.JSONDecodeError as e:
            self.problems.append(Problem(name, f"not valid JSON: {e.msg}", line=e.lineno))
        except SchemaError as e:
            self.problems.append(Problem(name, f"not a valid JSON Schema: {e.message}"))
        except (RecursionError, MemoryError, ValueError):
            self.problems.append(Problem(name, "the form is nested too deeply to be read"))


def restricted_reason(error: SyntaxError) -> str:
    """RestrictedPython puts a tuple of 'Line N: reason' strings in the error; make one sentence."""
    reasons = error.args[0] if error.args and isinstance(error.args[0], tuple) else error.args[:1]
    return "; ".join(str(r) for r in reasons)


def _parsed(text: str, mode, what: str) -> tuple[ast.AST | None, str]:
    """The syntax tree of diagram code, or why it is refused (too long, not Python, too deep, not
    allowed by the sandbox's policy and bounds, or importing)."""
    if len(text) > MAX_CODE:
        return None, f"{what} is longer than {MAX_CODE:,} characters"
    try:
        tree = ast.parse(text, mode=mode)
        compile_restricted(text, "<lint>", mode, policy=BoundedPolicy)
    except SyntaxError as e:
        if e.lineno is not None and not isinstance(e.args[0] if e.args else None, tuple):
            return None, f"{what} is not valid Python: {e.msg} (line {e.lineno} of the {what})"
        return None, f"{what} uses something not allowed in diagrams: {restricted_reason(e)}"
    except (RecursionError, MemoryError, ValueError):
        return None, f"{what} is nested too deeply to be read"
    if any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in ast.walk(tree)):
        return None, (f"{what} uses something not allowed in diagrams: imports "
                      "(use a whitelisted function from handlers/ instead)")
    return tree, ""


def _constant_timer_problem(value, kind: str) -> str | None:
    if not isinstance(value, str):
        return f"timer expression must give a text, not {type(value).__name__}"
    if kind == "duration" and not ISO_DURATION.match(value):
        return f"'{value}' is not an ISO 8601 duration such as \"PT24H\""
    if kind == "cycle":
        return _cycle_problem(value)
    if kind == "date":
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return f"'{value}' is not an ISO 8601 date-time"
        if parsed.tzinfo is None:
            return f"'{value}' needs a UTC offset such as +08:00 (the server's zone is not guessed)"
    return None


def _cycle_problem(value: str) -> str | None:
    if not ISO_CYCLE.match(value):
        return f"'{value}' is not an ISO 8601 cycle such as \"R/P3D\""
    if ZERO_PERIOD.search(value):
        return f"'{value}' repeats with no time in between (it would fire on every sweep); give it a period"
    return None


def _owner_id(element) -> str | None:
    while element is not None:
        if element.get("id"):
            return element.get("id")
        element = element.getparent()
    return None


def _inside_laned_subprocess(task, in_lane: set[str]) -> bool:
    parent = task.getparent()
    while parent is not None:
        if parent.get("id") in in_lane:
            return True
        parent = parent.getparent()
    return False
