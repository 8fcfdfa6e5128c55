"""`ecerp serve` (what `make run` starts): prepare the database, then run gunicorn.

Preparation (set_up) is idempotent: migrate, collect static files, load the demo company on the
first start of a fresh database, create the admin account when there is no superuser (printing
its password once). Then the process becomes gunicorn, with DEBUG off and WhiteNoise serving the
static files. Beside it run the customs companions as child processes that stop with the server:
the customs exchange loop (ECERP_CUSTOMS_EXCHANGE=0 turns it off) and the customs single window
simulator (ECERP_CUSTOMS_SIM=0 turns it off; ECERP_CUSTOMS_SIM_STEP sets its seconds between two
receipts, 2 by default, so a person can watch a declaration move).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from ecerp.aftersales.demo import build_demo_aftersales
from ecerp.core import services as core_services
from ecerp.core.management.commands.createadmin import create_admin, login_banner
from ecerp.customs.demo import build_demo_customs
from ecerp.customs.demo_declarations import build_demo_declarations
from ecerp.masterdata.demo import build_demo_company, demo_loaded
from ecerp.sales.demo import build_demo_orders

FIRST_START_KEY = "first_start_done"
DEFAULT_BIND = "127.0.0.1:8000"


def site_url(bind: str) -> str:
    """Return the address a person types for a gunicorn bind (0.0.0.0 is reached as 127.0.0.1)."""
    host, _sep, port = bind.rpartition(":")
    if host in ("", "0.0.0.0", "[::]", "::"):
        host = "127.0.0.1"
    return f"http://{host}:{port}/"


def set_up(*, write=print, load_demo: bool = True, bind: str = DEFAULT_BIND) -> dict:
    """Make the database ready to serve; safe to run on every start.

    Returns what happened: {"demo": counts or None, "admin_created": bool, "password": str or None}.
    """
    from ecerp.masterdata.models import Partner, Product

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    result = {"demo": None, "admin_created": False, "password": None}

    if not core_services.get_setting(FIRST_START_KEY):
        fresh = not (Product.objects.exists() or Partner.objects.exists())
        if load_demo and fresh and not demo_loaded():
            result["demo"] = build_demo_company(None)
            write(f"演示公司已加载 / Demo company loaded: {result['demo']['products']} 个商品 SKUs, "
                  f"{result['demo']['stores']} 个店铺 stores, {result['demo']['warehouses']} 个仓库 warehouses")
            orders = build_demo_orders(None)
            result["demo"]["orders"] = orders.get("orders", 0)
            write(f"演示订单已加载 / Demo orders loaded: {orders.get('orders', 0)} 个订单 orders, "
                  f"{orders.get('parcels_shipped', 0)} 个已发货包裹 parcels shipped")
            aftersales = build_demo_aftersales(None)
            result["demo"]["aftersales_cases"] = aftersales.get("cases", 0)
            write(f"演示售后已加载 / Demo after-sales loaded: {aftersales.get('cases', 0)} 个售后单 cases, "
                  f"{aftersales.get('pick_waves', 0)} 个拣货波次 pick waves, "
                  f"{aftersales.get('transfers', 0)} 个调拨单 transfers, "
                  f"{aftersales.get('stocktakes', 0)} 个盘点单 stocktakes")
            customs = build_demo_customs(None)
            declarations = build_demo_declarations(None)
            result["demo"]["declarations"] = declarations.get("declarations", 0)
            write(f"演示关务已加载 / Demo customs loaded: {customs.get('filings', 0)} 个商品备案 filings, "
                  f"{declarations.get('declarations', 0)} 个申报单 declarations "
                  f"({declarations.get('submitted', 0)} 个已生成报文 submitted, "
                  f"{declarations.get('precheck_failed', 0)} 个预检未通过 failing pre-checks)")
        core_services.set_setting(user=None, key=FIRST_START_KEY, value="1")

    if not get_user_model().objects.filter(is_superuser=True).exists():
        username = os.environ.get("ECERP_ADMIN_USERNAME") or "admin"
        password = os.environ.get("ECERP_ADMIN_PASSWORD") or None
        _user, generated = create_admin(username=username, password=password)
        result.update(admin_created=True, password=generated)
        write(login_banner(username=username, password=generated, url=site_url(bind)))
    return result


def gunicorn_command(bind: str) -> list[str]:
    """Return the gunicorn command line (the gunicorn installed beside this Python first)."""
    beside = Path(sys.executable).parent / "gunicorn"
    executable = str(beside) if beside.exists() else shutil.which("gunicorn")
    if not executable:
        raise CommandError("gunicorn 未安装 / gunicorn is not installed (pip install gunicorn)")
    command = [executable, "ecerp.wsgi:application", "--bind", bind, "--workers", "2", "--threads", "4",
               "--timeout", "120", "--access-logfile", "-"]
    # gunicorn 25.1+ opens a control socket at one fixed path in $HOME; two instances would fight over it.
    from gunicorn import config as gunicorn_config

    if hasattr(gunicorn_config, "ControlSocketDisable"):
        command.append("--no-control-socket")
    return command


def customs_companions(environ=os.environ) -> list[list[str]]:
    """Return the command lines of the customs companions started beside gunicorn (see the module docstring)."""
    ecerp = [sys.executable, "-m", "ecerp.cli"]
    commands = []
    if environ.get("ECERP_CUSTOMS_EXCHANGE", "1") != "0":
        commands.append([*ecerp, "customs_exchange", "--loop", "--stop-with-parent"])
    if environ.get("ECERP_CUSTOMS_SIM", "1") != "0":
        commands.append([*ecerp, "customs-sim", "--stop-with-parent", "--step-seconds",
                         environ.get("ECERP_CUSTOMS_SIM_STEP", "2")])
    return commands


def become(command: list[str]) -> None:
    """Replace this process by command (gunicorn), after closing what must not leak into it.

    The customs companions start first, as children of this process: gunicorn keeps its process id, so
    they see their parent go when the server stops (and Ctrl+C reaches them through the terminal).
    """
    sys.stdout.flush()
    sys.stderr.flush()
    connections.close_all()
    os.environ.pop("ECERP_TESTING", None)
    for companion in customs_companions():
        subprocess.Popen(companion)
    os.execvp(command[0], command)


class Command(BaseCommand):
    help = "Migrate, load the demo company on first start, create the admin account, then serve with gunicorn."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("ECERP_BIND") or DEFAULT_BIND,
                            help="host:port (default $ECERP_BIND or 127.0.0.1:8000)")
        parser.add_argument("--no-demo", action="store_true", help="do not load the demo company on first start")

    def handle(self, *args, bind, no_demo, **options):
        set_up(write=self.stdout.write, load_demo=not no_demo, bind=bind)
        command = gunicorn_command(bind)
        self.stdout.write(f"ECERP 启动于 / serving on {site_url(bind)}  (Ctrl+C 停止 / to stop)")
        self.stdout.flush()
        become(command)
