"""`ecerp createadmin`: create or update a superuser in the 管理员 group."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from ecerp.core.audit import record_change
from ecerp.core.models import AuditAction
from ecerp.core.permissions import role_group_name, sync_roles


def generate_password() -> str:
    """Return a random password that is easy to copy (letters and digits only, 16 characters)."""
    return secrets.token_urlsafe(12).replace("-", "x").replace("_", "y")


def create_admin(*, username: str, password: str | None = None, email: str = "") -> tuple[object, str | None]:
    """Create or update the superuser username, put it in the 管理员 group; audited.

    Returns (user, generated password or None when the password was given).
    """
    generated = None
    if not password:
        password = generated = generate_password()
    User = get_user_model()
    with transaction.atomic():
        sync_roles()
        user = User.objects.select_for_update().filter(username=username).first()
        creating = user is None
        if creating:
            user = User(username=username)
        user.email = email or user.email
        user.is_superuser = user.is_staff = user.is_active = True
        user.set_password(password)
        user.save()
        user.groups.add(Group.objects.get(name=role_group_name("admin")))
        record_change(user=None, action=AuditAction.CREATE if creating else AuditAction.UPDATE, instance=user,
                      after={"username": user.username, "is_superuser": True, "password": "changed"},
                      note="ecerp createadmin")
    return user, generated


def login_banner(*, username: str, password: str | None, url: str) -> str:
    """Return the lines printed when an admin account was created (the password is shown only here)."""
    shown = password if password else "（已按 ECERP_ADMIN_PASSWORD / --password 设置 / as given）"
    rule = "=" * 72
    return f"{rule}\n登录 / Login: {url}  用户名 {username}  密码 {shown}\n" \
           f"请妥善保存此密码，它只显示这一次。/ Keep this password: it is shown only once.\n{rule}"


class Command(BaseCommand):
    help = "Create or update a superuser (also in the 管理员 group); prints a generated password once."
    # A recovery tool: it must work even while some page or admin screen fails its system check.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--password", default=None, help="default: generated and printed once")
        parser.add_argument("--email", default="")

    def handle(self, *args, username, password, email, **options):
        user, generated = create_admin(username=username, password=password, email=email)
        if generated:
            self.stdout.write(f"用户名 / Username: {user.username}\n密码 / Password: {generated}\n"
                              "请妥善保存此密码，它只显示这一次。/ Keep this password: it is shown only once.")
        else:
            self.stdout.write(f"已设置管理员 {user.username} 的密码。/ Password of {user.username} set.")
