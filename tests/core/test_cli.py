"""The `ecerp` console command: serve's set-up, createadmin, deliver_events, and the entry point."""

import os
import sys
import uuid
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import call_command

from ecerp import cli
from ecerp.core import events
from ecerp.core.management.commands import serve
from ecerp.core.models import AuditLog, OutboxEvent
from ecerp.core.permissions import role_group_name
from ecerp.masterdata.models import Product, Store

pytestmark = pytest.mark.django_db


@pytest.fixture
def static_root(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    return settings.STATIC_ROOT


@pytest.fixture
def no_admin_env(monkeypatch):
    monkeypatch.delenv("ECERP_ADMIN_USERNAME", raising=False)
    monkeypatch.delenv("ECERP_ADMIN_PASSWORD", raising=False)


def test_createadmin_creates_a_superuser_and_prints_its_password_once(capsys):
    # when createadmin runs without a password
    call_command("createadmin", "--username", "boss", "--email", "boss@example.com")
    out = capsys.readouterr().out
    # then a superuser in the 管理员 group exists
    user = User.objects.get(username="boss")
    assert user.is_superuser and user.is_staff and user.email == "boss@example.com"
    assert user.groups.filter(name=role_group_name("admin")).exists()
    # and the printed password logs in
    password = next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("密码"))
    assert len(password) >= 12
    assert authenticate(username="boss", password=password) == user
    # and the creation is audited without the password
    row = AuditLog.objects.get(model="auth.user", object_id=str(user.pk))
    assert password not in str(row.after)


def test_createadmin_with_a_password_updates_an_existing_user_and_prints_none(capsys):
    # given an ordinary user
    User.objects.create_user(username="ops", password="Old-pass-123")
    # when createadmin names it with a password
    call_command("createadmin", "--username", "ops", "--password", "New-pass-456")
    out = capsys.readouterr().out
    # then it is now a superuser with that password, and no password is printed
    user = User.objects.get(username="ops")
    assert user.is_superuser
    assert authenticate(username="ops", password="New-pass-456") == user
    assert "New-pass-456" not in out
    assert User.objects.filter(username="ops").count() == 1


def test_serve_set_up_loads_demo_and_creates_admin_only_on_first_start(static_root, no_admin_env):
    lines = []
    # when the server prepares a fresh database
    first = serve.set_up(write=lines.append, bind="127.0.0.1:8021")
    # then the static files are collected, the demo company is loaded and an admin is created
    assert (static_root / "admin" / "css" / "base.css").exists()
    assert first["demo"]["products"] == Product.objects.count() > 400
    assert first["admin_created"] and first["password"]
    assert authenticate(username="admin", password=first["password"]).is_superuser
    # and the demo's cross-border orders have customs declarations, the passing ones with messages to send
    from ecerp.customs.models import CustomsMessage, Declaration

    assert first["demo"]["declarations"] == Declaration.objects.count() > 0
    assert CustomsMessage.objects.filter(direction="out", status="pending").exists()
    banner = "\n".join(lines)
    assert "登录 / Login: http://127.0.0.1:8021/  用户名 admin  密码 " + first["password"] in banner
    # when it starts a second time
    lines.clear()
    products = Product.objects.count()
    second = serve.set_up(write=lines.append, bind="127.0.0.1:8021")
    # then the data is kept, nothing is loaded again and no new password is printed
    assert second == {"demo": None, "admin_created": False, "password": None}
    assert Product.objects.count() == products and Store.objects.count() == 5
    assert User.objects.filter(is_superuser=True).count() == 1
    assert lines == []


def test_serve_set_up_takes_the_admin_from_the_environment(static_root, monkeypatch):
    # given the admin's name and password in the environment
    monkeypatch.setenv("ECERP_ADMIN_USERNAME", "chief")
    monkeypatch.setenv("ECERP_ADMIN_PASSWORD", "Env-pass-789")
    lines = []
    # when the server prepares the database without the demo company
    result = serve.set_up(write=lines.append, load_demo=False)
    # then that account exists with that password, and the password is not printed
    assert result["admin_created"] and result["password"] is None
    assert authenticate(username="chief", password="Env-pass-789").is_superuser
    assert "Env-pass-789" not in "\n".join(lines)
    assert not Product.objects.exists()


def test_serve_without_demo_on_first_start_never_loads_it_later(static_root, no_admin_env):
    # given a first start with --no-demo
    serve.set_up(write=lambda line: None, load_demo=False)
    # when the server starts again with the demo allowed
    result = serve.set_up(write=lambda line: None)
    # then the demo is still not loaded: it is for the first start of a fresh database only
    assert result["demo"] is None
    assert not Product.objects.exists()


def test_serve_command_prepares_then_becomes_gunicorn(static_root, no_admin_env, monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(serve, "become", calls.append)
    # when `ecerp serve` runs
    call_command("serve", "--bind", "127.0.0.1:8021", "--no-demo")
    # then it hands over to the gunicorn installed beside this Python, on the asked address
    (args,) = calls
    assert args[0] == str(Path(sys.executable).parent / "gunicorn") and os.path.exists(args[0])
    assert args[1] == "ecerp.wsgi:application"
    assert args[args.index("--bind") + 1] == "127.0.0.1:8021"
    assert args[args.index("--workers") + 1] == "2" and args[args.index("--threads") + 1] == "4"
    assert "serving on http://127.0.0.1:8021/" in capsys.readouterr().out
    assert User.objects.filter(is_superuser=True).exists()


def test_site_url_for_wildcard_bind():
    assert serve.site_url("0.0.0.0:8000") == "http://127.0.0.1:8000/"
    assert serve.site_url("10.0.0.5:9000") == "http://10.0.0.5:9000/"


def test_deliver_events_delivers_pending_outbox_events(capsys):
    received = []
    event_type = f"TestDelivered{uuid.uuid4().hex}"

    @events.subscribe(event_type)
    def handler(payload):
        received.append(payload["number"])

    try:
        # given an event still in the outbox (the test transaction never commits, so it was not delivered)
        events.publish(event_type, {"number": 7})
        assert OutboxEvent.objects.filter(event_type=event_type, delivered_at__isnull=True).exists()
        # when deliver_events runs once
        call_command("deliver_events")
        # then the handler ran once and the event is marked delivered
        assert received == [7]
        assert not OutboxEvent.objects.filter(event_type=event_type, delivered_at__isnull=True).exists()
        assert "共投递 1 个事件" in capsys.readouterr().out
        # and a second run delivers nothing again
        call_command("deliver_events")
        assert received == [7]
    finally:
        events.unsubscribe(event_type, handler)


def test_console_entry_point_knows_ecerp_commands(capsys):
    # when the `ecerp` console script is asked about its commands
    cli.main(["help"])
    listing = capsys.readouterr().out
    cli.main(["help", "serve"])
    usage = capsys.readouterr().out
    # then ECERP's own commands are there beside Django's, with their options
    for command in ("serve", "demo", "createadmin", "deliver_events", "migrate"):
        assert f"    {command}\n" in listing
    assert "--no-demo" in usage and "--bind" in usage
