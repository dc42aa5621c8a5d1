"""How engine errors leave the engine: as ExecutionFailed naming the failing element, with a message
that survives exceptions unable to print themselves. Owned by ``runtime.engine``."""
from __future__ import annotations

from SpiffWorkflow.exceptions import SpiffWorkflowException

from runtime.errors import ExecutionFailed, InvalidState, TaskNotFound


class translated_errors:
    """Turn engine exceptions into ExecutionFailed naming the failing element.

    Only errors (``Exception``) become incidents: an interrupt, an exit or a closed generator while
    a step runs is the process being stopped, not the complaint failing, and passes through.
    """

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is None or not isinstance(exc, Exception) or isinstance(exc, (ExecutionFailed, TaskNotFound,
                                                                             InvalidState)):
            return False
        task = getattr(exc, "task", None)
        spec = getattr(task, "task_spec", None)
        name = getattr(spec, "bpmn_id", None)
        raise ExecutionFailed(error_message(exc), task_name=name,
                              task_id=str(task.id) if task is not None and hasattr(task, "id") else None) from exc


def error_message(exc: BaseException) -> str:
    """One line saying what went wrong, even when the exception cannot print itself.

    SpiffWorkflow's exceptions build their text from notes that may be None (a script defining a
    class raises NameError ``__build_class__`` that way), and then ``str()`` itself raises.
    """
    try:
        text = str(exc).split("\n")[0]
    except Exception:  # noqa: BLE001 - the message of a broken exception is the one thing we must not lose
        text = ", ".join(_safe_repr(a) for a in getattr(exc, "args", ()))
    if isinstance(exc, SpiffWorkflowException):
        cause = exc.__cause__ or exc.__context__
        return text or (error_message(cause) if cause is not None else type(exc).__name__)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _safe_repr(value: object) -> str:
    try:
        return str(value)
    except Exception:  # noqa: BLE001
        return type(value).__name__
