"""Test fixtures: a migrated database per test on SQLite and on the real PostgreSQL, the app,
a client, and people to act as.

SQLite: each test gets a copy of a database migrated once per worker. PostgreSQL: each worker
migrates its own database once; each test starts from empty tables (TRUNCATE afterwards).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from walletdesk.app import create_app
from walletdesk.config import Settings
from walletdesk.db import make_engine, session_scope
from walletdesk.helpcenter import model_store
from walletdesk.identity import service as identity
from walletdesk.identity.models import User
from walletdesk.migrations import upgrade

# The live server and the browser are session-wide: Playwright's sync API allows one instance
# per thread, so every test that drives Chromium shares these.
pytest_plugins = ["tests.browser_support", "tests.loop_guard"]

PG_ADMIN = os.environ.get("WALLETDESK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
PASSWORD = "correct horse battery"
# Argon2 at the lowest cost: tests create and sign in people by the hundred. Never in the demo.
FAST_HASHING = {"password_hash_time_cost": 1, "password_hash_memory_kib": 64}


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_url(worker_id: str) -> Iterator[str]:
    name = f"wd_test_{worker_id}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + name
    upgrade(url)
    yield url
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _truncate_all(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        tables = conn.execute(
            text(
                "SELECT string_agg(format('%I', tablename), ', ') FROM pg_tables"
                " WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
            )
        ).scalar_one()
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "walletdesk.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("pg_url")
    yield url
    _truncate_all(url)


@pytest.fixture(scope="session")
def search_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The help-search model, built once per worker from the shipped data and shared (an app
    with no model builds one in the background: seconds of CPU for every test's app)."""
    path = tmp_path_factory.mktemp("search-model")
    model_store.train(path, [])
    return path


@pytest.fixture
def settings(tmp_path: Path, db_url: str, search_model_dir: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        search_model_dir=search_model_dir,
        database_url=db_url,
        secret_key="test-secret-key-not-for-production",
        jobs="off",  # tests run jobs themselves (tests/test_jobs.py)
        **FAST_HASHING,
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
def app(settings: Settings):
    application = create_app(settings)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as test_client:
        yield test_client


@pytest.fixture
def db(app) -> Iterator[Session]:
    """A session on the app's database, committed at the end of each `with` block of the test."""
    session = app.state.sessionmaker()
    yield session
    session.rollback()
    session.close()


@dataclass
class People:
    customer: User
    other_customer: User
    agent: User
    supervisor: User
    admin: User


@pytest.fixture
def people(app) -> People:
    with session_scope(app.state.sessionmaker) as s:
        made = People(
            customer=identity.create_user(
                s, role="customer", phone="13800138000", password=PASSWORD, display_name="张三"
            ),
            other_customer=identity.create_user(
                s, role="customer", phone="13900139000", password=PASSWORD, display_name="李四"
            ),
            agent=identity.create_user(
                s,
                role="agent",
                email="agent@test.example",
                password=PASSWORD,
                display_name="Agent A",
            ),
            supervisor=identity.create_user(
                s,
                role="supervisor",
                email="sup@test.example",
                password=PASSWORD,
                display_name="Sup S",
            ),
            admin=identity.create_user(
                s,
                role="admin",
                email="admin@test.example",
                password=PASSWORD,
                display_name="Admin Z",
            ),
        )
    return made


def csrf_of(client: TestClient) -> str:
    """The form token for this client's CSRF cookie (fetching a page sets the cookie)."""
    client.get("/login")
    import hashlib
    import hmac

    seed = client.cookies.get("wd_csrf") or ""
    return hmac.new(
        b"test-secret-key-not-for-production", seed.encode(), hashlib.sha256
    ).hexdigest()


def sign_in(client: TestClient, user: User, password: str = PASSWORD) -> None:
    response = client.post(
        "/login",
        data={"login": user.login, "password": password, "csrf_token": csrf_of(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def bearer(client: TestClient, user: User, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", json={"login": user.login, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def stepped_up(client: TestClient, app, phone: str, url: str, *, json: dict, headers: dict):
    """POST money leaving the wallet; when a step-up is asked for (403 step_up_required), again
    with the code texted to the customer, as the app would after asking them."""
    response = client.post(url, json=json, headers=headers)
    if response.status_code == 403 and response.json()["error"]["code"] == "step_up_required":
        from tests.identity.support import last_code

        code = last_code(app, phone)
        response = client.post(url, json={**json, "step_up_code": code}, headers=headers)
    return response
