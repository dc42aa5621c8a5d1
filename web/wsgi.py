"""WSGI entry point for several web processes (``gunicorn web.wsgi:app``); settings from the environment.

On PostgreSQL run the timers in separate ``complaintflow worker`` processes and set
COMPLAINTFLOW_EMBEDDED_WORKER=0; the web processes then only serve requests.
"""
from web import create_app

app = create_app()
