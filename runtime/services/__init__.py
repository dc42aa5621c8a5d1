"""The runtime's use cases, one transaction each. Web views and the CLI call only these."""
from runtime.services.assignment import add_comment, delegate_task, reassign_task, return_task
from runtime.services.events import correct_urgency, send_message, send_signal
from runtime.services.replay import retry_incident
from runtime.services.instances import resume, start_instance, suspend, terminate
from runtime.services.tasks import claim_task, complete_task, release_task

__all__ = ["start_instance", "suspend", "resume", "terminate", "claim_task", "release_task", "complete_task",
           "send_signal", "send_message", "correct_urgency", "retry_incident", "reassign_task", "delegate_task",
           "return_task", "add_comment"]
