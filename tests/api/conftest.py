"""API test fixtures: a client per built-in role, authenticated with a real bearer token."""

import json

import pytest
from django.test import Client

from ecerp.core.services import create_api_token


class ApiClient:
    """A Django test client speaking JSON with a bearer token (or none: anonymous)."""

    def __init__(self, user=None, secret=None):
        headers = {"authorization": f"Bearer {secret}"} if secret else {}
        self.client = Client(headers=headers)
        self.user = user

    def _send(self, method, path, body=None, **params):
        kwargs = {}
        if body is not None:
            kwargs = {"data": json.dumps(body), "content_type": "application/json"}
        elif params:
            kwargs = {"data": params} if method == "get" else {}
        return getattr(self.client, method)(path, **kwargs)

    def get(self, path, **params):
        return self._send("get", path, **params)

    def post(self, path, body=None):
        return self._send("post", path, {} if body is None else body)

    def patch(self, path, body=None):
        return self._send("patch", path, {} if body is None else body)

    def put(self, path, body=None):
        return self._send("put", path, {} if body is None else body)

    def delete(self, path):
        return self._send("delete", path)


@pytest.fixture
def api_as(make_user):
    """api_as("purchasing") -> an ApiClient acting as a new user holding that built-in role."""
    counter = {"n": 0}

    def make(role=None, *, superuser=False, username=None):
        counter["n"] += 1
        user = make_user(username or f"api-{role or 'none'}-{counter['n']}", role=role, superuser=superuser)
        _token, secret = create_api_token(user=user, owner=user, name="test")
        return ApiClient(user, secret)

    return make


@pytest.fixture
def anonymous():
    return ApiClient()


def error_codes(response) -> list[tuple]:
    """(field, code) of every error in an API error answer."""
    return [(error["field"], error["code"]) for error in response.json()["errors"]]
