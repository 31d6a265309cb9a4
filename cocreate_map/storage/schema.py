"""The whole schema on ``Base.metadata``: importing this module imports every table module.

Alembic's env.py and the community copier (storage/transfer.py) import it, so a table is never
left out of a migration check or a ``cocreate community move``. A test fails when a
``*_tables.py`` module is missing here.
"""

from __future__ import annotations

import cocreate_map.storage.auth_tables  # noqa: F401
import cocreate_map.storage.ballot_tables  # noqa: F401
import cocreate_map.storage.evaluation_tables  # noqa: F401
import cocreate_map.storage.funds_tables  # noqa: F401
import cocreate_map.storage.mark_tables  # noqa: F401
import cocreate_map.storage.options_tables  # noqa: F401
import cocreate_map.storage.work_tables  # noqa: F401
from cocreate_map.storage.tables import Base

metadata = Base.metadata
