from tests.api.conftest import anonymous, api_as  # noqa: F401 - the API clients of tests/api
