from __future__ import annotations

import pytest

from crm.routing.kinds import ROUTING_KINDS

from .kind import CODE, TEST_KIND


@pytest.fixture(autouse=True)
def test_kind():
    with ROUTING_KINDS.override():
        ROUTING_KINDS.register(CODE, TEST_KIND)
        yield TEST_KIND
