from tests.api.conftest import anonymous, api_as  # noqa: F401 - the API clients of tests/api
from tests.inventory.shipment_helpers import fresh_carrier  # noqa: F401 (autouse: a new simulated carrier)
