"""Tables of the customs app, one module per area (each module lists its models in __all__)."""

from ecerp.customs.models.declarations import *  # noqa: F403
from ecerp.customs.models.filings import *  # noqa: F403
from ecerp.customs.models.reference import *  # noqa: F403
