"""State enums and transition tables of master data."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EmployeeStatus(models.TextChoices):
    ACTIVE = "active", _("在职")
    ON_LEAVE = "on_leave", _("休假")
    LEFT = "left", _("离职")


EMPLOYEE_TRANSITIONS = {
    EmployeeStatus.ACTIVE: {EmployeeStatus.ON_LEAVE, EmployeeStatus.LEFT},
    EmployeeStatus.ON_LEAVE: {EmployeeStatus.ACTIVE, EmployeeStatus.LEFT},
    EmployeeStatus.LEFT: {EmployeeStatus.ACTIVE},  # re-hire
}
