"""Import jobs: an uploaded file kept between the dry run and the commit (so the commit reads the same bytes).

The file is stored in the database, not on a local disk, so that any web node can commit it.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportJobStatus(models.TextChoices):
    PREVIEWED = "previewed", _("已预检")
    COMMITTED = "committed", _("已导入")
    FAILED = "failed", _("导入失败")


IMPORT_JOB_TRANSITIONS = {
    ImportJobStatus.PREVIEWED: {ImportJobStatus.COMMITTED, ImportJobStatus.FAILED},
    ImportJobStatus.FAILED: {ImportJobStatus.COMMITTED},
    ImportJobStatus.COMMITTED: set(),
}


class ImportJob(models.Model):
    kind = models.CharField(_("导入类型"), max_length=40)
    filename = models.CharField(_("文件名"), max_length=255)
    content = models.BinaryField(_("文件内容"))
    status = models.CharField(_("状态"), max_length=20, choices=ImportJobStatus.choices,
                              default=ImportJobStatus.PREVIEWED)
    summary = models.JSONField(_("预检结果"), default=dict, blank=True)
    problems = models.JSONField(_("问题"), default=list, blank=True)
    problem_count = models.PositiveIntegerField(_("问题数"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    committed_at = models.DateTimeField(_("导入时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.kind} {self.filename}"
