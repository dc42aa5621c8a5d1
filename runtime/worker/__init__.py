"""The worker room: the sweep (due timers, automatic retries, e-mail, daily checks), its health
endpoint and the mailer."""
from runtime.worker.sweep import Worker, run_forever, run_once

__all__ = ["Worker", "run_forever", "run_once"]
