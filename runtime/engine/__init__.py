"""The engine room: the only code that imports SpiffWorkflow. ``facade.Engine`` parses packages,
starts, loads and acts on instances and reports plain data (``Snapshot``); its helpers read and
rewrite task trees (inspection, modify, snapshot, timers), run scripts in the sandbox and
serialise state. Everything outside imports from here."""
from runtime.engine.facade import LIBRARY_VERSION, Engine, RunReport, Snapshot
from runtime.engine.failures import error_message
from runtime.engine.inspection import StepData
from runtime.engine.packages import PackageInvalid, ParsedPackage
from runtime.engine.snapshot import Deadline, Notice, ReadyTask

__all__ = ["LIBRARY_VERSION", "Deadline", "Engine", "Notice", "PackageInvalid", "ParsedPackage", "ReadyTask",
           "RunReport", "Snapshot", "StepData", "error_message"]
