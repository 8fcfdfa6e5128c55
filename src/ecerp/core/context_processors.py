"""Template context shared by every page: the system mode banner."""

from ecerp.core.models import SystemMode


def system_mode(request):
    from ecerp.core.services import get_system_mode

    try:
        mode = get_system_mode()
    except Exception:  # database not migrated yet (first start)
        mode = SystemMode.TRAINING
    return {"system_mode": mode, "system_mode_label": SystemMode(mode).label}
