"""Shared fixtures: the real catalog, lexicon and replies, with a fixed 'today' so that answers
about fees with effective dates do not change with the calendar."""
from __future__ import annotations

import datetime as dt

import pytest
from bot.answers import Answerer, load_replies
from bot.catalog import Catalog, load_catalog
from bot.department import load_department
from bot.dialogue import Dialogue
from bot.nlu_data import question_words
from bot.retrieval import ProcedureIndex

TODAY = dt.date(2026, 11, 27)


@pytest.fixture(scope="session", autouse=True)
def console_db(tmp_path_factory):
    """Turns and ratings recorded by the actions during tests go to a throw-away database (also
    for the action servers the end-to-end tests start: they inherit the environment)."""
    import os

    url = f"sqlite:///{tmp_path_factory.mktemp('console') / 'console.db'}"
    old = os.environ.get("CONSOLE_DB_URL")
    os.environ["CONSOLE_DB_URL"] = url
    yield url
    if old is None:
        os.environ.pop("CONSOLE_DB_URL", None)
    else:
        os.environ["CONSOLE_DB_URL"] = old


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def index(catalog) -> ProcedureIndex:
    return ProcedureIndex(catalog, question_words())


@pytest.fixture(scope="session")
def answerer(catalog) -> Answerer:
    return Answerer(catalog, load_department(), load_replies(), today=TODAY)


@pytest.fixture(scope="session")
def dialogue(catalog) -> Dialogue:
    from bot.service import build_dialogue

    return build_dialogue(catalog, load_department(), today=TODAY)


@pytest.fixture(scope="module")
def rasa():
    """A loopback stand-in for Rasa's REST channel (tests/gateway_fakes.py), for the gateway's
    channel tests; the real Rasa is exercised by test_conversations.py."""
    from tests.gateway_fakes import FakeRasa

    fake = FakeRasa()
    yield fake
    fake.close()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium (Debian's, under Playwright) for every browser test: Playwright's
    sync API cannot run two at once in one process."""
    from tests.widget.harness import chromium

    with chromium() as b:
        yield b


@pytest.fixture(scope="session")
def postgres_url():
    """A throw-away PostgreSQL server (tests/postgres.py: Debian's postgresql, which
    scripts/ci-deps.sh installs), or the empty database named by CONSOLE_TEST_POSTGRES_URL.
    Missing server binaries FAIL, like a missing Chromium; ALLOW_SKIP_POSTGRES=1 skips instead on
    a machine without them (never in CI). Tests drop the tables they made."""
    import os

    if os.environ.get("CONSOLE_TEST_POSTGRES_URL"):
        yield os.environ["CONSOLE_TEST_POSTGRES_URL"]
        return
    from tests.postgres import server_binaries, temporary_postgres

    if server_binaries() is None:
        if os.environ.get("ALLOW_SKIP_POSTGRES") == "1":
            pytest.skip("PostgreSQL server binaries missing (skipped because ALLOW_SKIP_POSTGRES=1)")
        pytest.fail("PostgreSQL server binaries missing: run scripts/ci-deps.sh, or set ALLOW_SKIP_POSTGRES=1",
                    pytrace=False)
    with temporary_postgres() as url:
        yield url

