"""The demo community 棉花小区 (cotton-compound): every piece of demo seeding, in one room.

``load_demo`` imports data/demo with the ordinary importer, then gives the community its layout
options, household register (with the README's public demo codes), residents' marks, works,
funds, evaluation and a live ballot, each through the ordinary use cases. No use case outside this
package knows the demo's slug.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from cocreate_map import config
from cocreate_map.errors import AlreadyExists
from cocreate_map.services.access import local_admin
from cocreate_map.services.community import ImportSummary, import_file
from cocreate_map.services.demo.ballot import load_demo_ballot
from cocreate_map.services.demo.evaluation import load_demo_evaluation
from cocreate_map.services.demo.funds import load_demo_funds
from cocreate_map.services.demo.marks import load_demo_marks
from cocreate_map.services.demo.options import load_demo_options
from cocreate_map.services.demo.register import add_demo_households
from cocreate_map.services.demo.site import DEMO_FILE, DEMO_NAME, DEMO_SLUG
from cocreate_map.services.demo.works import load_demo_works
from cocreate_map.storage import repositories as repo
from cocreate_map.storage.db import transaction


def load_demo(session: Session, slug: str = DEMO_SLUG) -> ImportSummary:
    """Load the demo community (棉花小区) from data/demo with the ordinary importer."""
    if repo.find_community(session, slug) is not None:
        raise AlreadyExists(key="community.demo_community_loaded_already", slug=slug)
    summary = import_file(
        session,
        DEMO_FILE,
        slug,
        create_name=DEMO_NAME,
        display_name=DEMO_FILE.name,
        who=local_admin("demo"),
    )
    # the three demo options
    load_demo_options(session, slug, who=local_admin("demo"))
    # the household register
    add_demo_households(session, slug)
    # residents' marks (issue 3)
    load_demo_marks(session, slug)
    # works (issue 13)
    load_demo_works(session, slug)
    # funds (issue 13)
    load_demo_funds(session, slug)
    # evaluation: ratings, a convention being signed (issue 14)
    load_demo_evaluation(session, slug)
    # a live vote (issue 10.5)
    load_demo_ballot(session, slug)
    return summary


def ensure_demo(engine: Engine) -> bool:
    """Load the demo on first start when the database has no community. True if it loaded."""
    if not config.get("load_demo"):
        return False
    with transaction(engine) as session:
        if repo.count_communities(session) > 0:
            return False
        load_demo(session)
        return True
