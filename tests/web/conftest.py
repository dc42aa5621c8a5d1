"""The one way web tests get a site: the app over the test's runtime, with the bundled processes
deployed (unless a test brings its own) and the people it names, each with ``PASSWORD``."""
from __future__ import annotations

import pytest

from runtime.services.users import create_user
from tests.helpers import PASSWORD, deploy_processes
from web import create_app


@pytest.fixture
def web(rt):
    """``web({"wang": ["front_desk"], "li": (["department"], "engineering")}) -> test client``."""
    def make(people: dict, processes: bool = True, password: str = PASSWORD):
        if processes:
            deploy_processes(rt)
        for name, spec in people.items():
            roles, department = spec if isinstance(spec, tuple) else (spec, None)
            create_user(rt, name, password, list(roles), department=department)
        return create_app(runtime=rt).test_client()
    return make
