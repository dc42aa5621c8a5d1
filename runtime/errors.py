"""One exception family for the whole runtime.

Each class's docstring is its default message (the procrastinate pattern), so a caller can raise
``TaskNotFound()`` and still show a sentence. HTTP status codes are chosen only in ``web/``.
"""
from __future__ import annotations

from dataclasses import dataclass


class ComplaintflowError(Exception):
    """Something went wrong in complaintflow."""

    code = "error"

    def __init__(self, message: str | None = None, **details):
        super().__init__(message or (self.__doc__ or "").strip())
        self.details = details

    @property
    def message(self) -> str:
        return str(self.args[0])


class NotFound(ComplaintflowError):
    """The requested object does not exist."""

    code = "not_found"


class TaskNotFound(NotFound):
    """This task does not exist or is no longer waiting for anyone."""

    code = "task_not_found"


class InstanceNotFound(NotFound):
    """This process instance does not exist."""

    code = "instance_not_found"


class DefinitionNotFound(NotFound):
    """No deployed process has this id."""

    code = "definition_not_found"


class UserNotFound(NotFound):
    """No user has this name."""

    code = "user_not_found"


class Conflict(ComplaintflowError):
    """Someone else changed this in the meantime; reload and try again."""

    code = "conflict"


class StaleVersion(Conflict):
    """You acted on an out-of-date view; someone else changed it in the meantime."""

    code = "stale_version"


class AlreadyClaimed(Conflict):
    """Someone else has already claimed this task."""

    code = "already_claimed"


class InvalidState(Conflict):
    """This action is not possible in the instance's current state."""

    code = "invalid_state"


class DeployDrift(Conflict):
    """The version deployed now was made elsewhere (the console vs the folder, or another tab): deploying
    over it would undo that edit. ``details`` name the current package, where it came from and the files
    that differ; the deployment goes ahead only when confirmed (``--force``, or the console's confirm)."""

    code = "deploy_drift"


class PermissionDenied(ComplaintflowError):
    """You are not allowed to do this."""

    code = "permission_denied"


class InvalidInput(ComplaintflowError):
    """The data sent is not valid."""

    code = "invalid_input"

    def __init__(self, message: str | None = None, field_errors: dict[str, str] | None = None, **details):
        super().__init__(message, **details)
        self.field_errors = field_errors or {}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an uploaded process file, located as precisely as we can."""

    file: str
    message: str
    element_id: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f", line {self.line}"
        if self.element_id:
            where += f", element '{self.element_id}'"
        return f"{where}: {self.message}"


class DeploymentRejected(ComplaintflowError):
    """The process files were refused; nothing was deployed."""

    code = "deployment_rejected"

    def __init__(self, problems: list[Problem]):
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"The process files were refused; nothing was deployed:\n{lines}")
        self.problems = problems


class ExecutionFailed(ComplaintflowError):
    """A script, expression or handler failed while the process ran."""

    code = "execution_failed"

    def __init__(self, message: str, task_name: str | None = None, task_id: str | None = None):
        super().__init__(message)
        self.task_name = task_name
        self.task_id = task_id
        self.instance_id: int | None = None  # set by the service that was acting on an instance


class IncidentRaised(ComplaintflowError):
    """The step failed; the instance is stopped at that task until an administrator retries it."""

    code = "incident"

    def __init__(self, message: str, incident_id: int, task_name: str | None, business_key: str | None = None,
                 instance_id: int | None = None):
        super().__init__(message, step=task_name or "?", number=business_key or "")
        self.instance_id = instance_id
        self.incident_id = incident_id
        self.task_name = task_name
        self.business_key = business_key  # the complaint is kept under this number


class Unavailable(ComplaintflowError):
    """The database did not answer; nothing was changed. Try again in a moment."""

    code = "unavailable"


class BlobCorrupt(ComplaintflowError):
    """A stored file no longer matches its checksum, so it was not served; restore it from a backup."""

    code = "blob_corrupt"


class ConfigurationError(ComplaintflowError):
    """The configuration is not valid."""

    code = "configuration"
