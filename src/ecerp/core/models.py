"""Tables of the shared kernel: settings, coding rules, audit, state history, outbox, tokens."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SystemMode(models.TextChoices):
    TRAINING = "training", _("培训")
    TRIAL = "trial", _("试运行")
    LIVE = "live", _("正式运行")


class SystemSetting(models.Model):
    """One row per setting key; values are text (the service layer parses them)."""

    key = models.CharField(_("键"), max_length=100, unique=True)
    value = models.TextField(_("值"), blank=True, default="")
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("系统设置")
        verbose_name_plural = _("系统设置")

    def __str__(self):
        return self.key


class CodingRuleKind(models.TextChoices):
    SEQUENCE = "sequence", _("前缀+日期+流水号")
    HIERARCHICAL = "hierarchical", _("分级编码")


class DatePart(models.TextChoices):
    NONE = "", _("无")
    YEAR = "%Y", _("年 (YYYY)")
    MONTH = "%Y%m", _("年月 (YYYYMM)")
    DAY = "%Y%m%d", _("年月日 (YYYYMMDD)")


class CodingRule(models.Model):
    """How codes of one master-data or document type are built (编码规则)."""

    target = models.CharField(_("适用对象"), max_length=50, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=CodingRuleKind.choices)
    prefix = models.CharField(_("前缀"), max_length=10, blank=True, default="")
    date_part = models.CharField(_("日期部分"), max_length=10, choices=DatePart.choices, blank=True, default="")
    sequence_length = models.PositiveSmallIntegerField(_("流水号位数"), default=6)
    segment_lengths = models.CharField(
        _("分级段长"), max_length=40, blank=True, default="", help_text=_("例如 2-2-3")
    )
    allow_manual = models.BooleanField(_("允许手工编码"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("编码规则")
        verbose_name_plural = _("编码规则")
        constraints = [
            models.CheckConstraint(
                condition=Q(sequence_length__gte=1) & Q(sequence_length__lte=12), name="coding_rule_seq_len"
            ),
            models.CheckConstraint(
                condition=Q(kind="sequence") | ~Q(segment_lengths=""), name="coding_rule_segments_required"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.target})"

    @property
    def segments(self) -> list[int]:
        return [int(part) for part in self.segment_lengths.split("-") if part.strip()]


class CodeSequence(models.Model):
    """The last number handed out for one rule and one period (or parent code)."""

    rule = models.ForeignKey(CodingRule, on_delete=models.CASCADE, related_name="sequences")
    scope = models.CharField(max_length=60, blank=True, default="")
    last_value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("编码流水")
        verbose_name_plural = _("编码流水")
        constraints = [
            models.UniqueConstraint(fields=["rule", "scope"], name="code_sequence_unique_scope"),
            models.CheckConstraint(condition=Q(last_value__gte=0), name="code_sequence_non_negative"),
        ]

    def __str__(self):
        return f"{self.rule_id}:{self.scope}={self.last_value}"


class AuditAction(models.TextChoices):
    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    TRANSITION = "transition", _("状态变更")
    IMPORT = "import", _("导入")
    LOGIN = "login", _("登录")
    SETTING = "setting", _("设置")


class AuditLog(models.Model):
    """Who changed what and when, with before/after values (personal data masked)."""

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), null=True, blank=True, on_delete=models.SET_NULL
    )
    username = models.CharField(_("用户名"), max_length=150, blank=True, default="")
    action = models.CharField(_("动作"), max_length=20, choices=AuditAction.choices)
    model = models.CharField(_("对象类型"), max_length=100)
    object_id = models.CharField(_("对象ID"), max_length=64, blank=True, default="")
    object_repr = models.CharField(_("对象"), max_length=200, blank=True, default="")
    before = models.JSONField(_("修改前"), null=True, blank=True)
    after = models.JSONField(_("修改后"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True, default="")

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        indexes = [models.Index(fields=["model", "object_id", "at"], name="audit_object_idx")]
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.object_repr}"


class StateHistory(models.Model):
    """Every move of a document along its state machine."""

    at = models.DateTimeField(_("时间"), auto_now_add=True)
    model = models.CharField(_("对象类型"), max_length=100)
    object_id = models.CharField(_("对象ID"), max_length=64)
    field = models.CharField(_("状态字段"), max_length=50)
    from_state = models.CharField(_("原状态"), max_length=40)
    to_state = models.CharField(_("新状态"), max_length=40)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    reason = models.CharField(_("原因"), max_length=300, blank=True, default="")

    class Meta:
        verbose_name = _("状态历史")
        verbose_name_plural = _("状态历史")
        indexes = [models.Index(fields=["model", "object_id"], name="state_history_object_idx")]
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.model}#{self.object_id} {self.from_state}->{self.to_state}"


class OutboxEvent(models.Model):
    """A domain event written in the same transaction as the change that caused it."""

    event_id = models.UUIDField(unique=True)
    event_type = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        verbose_name = _("事件发件箱")
        verbose_name_plural = _("事件发件箱")
        ordering = ["id"]

    def __str__(self):
        return f"{self.event_type} {self.event_id}"


class HandledEvent(models.Model):
    """Marks that one handler has processed one event (idempotency by event id)."""

    event_id = models.UUIDField()
    handler = models.CharField(max_length=200)
    handled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event_id", "handler"], name="handled_event_once")]

    def __str__(self):
        return f"{self.handler} {self.event_id}"


class ApiToken(models.Model):
    """A bearer token for the API. Only a hash of the secret is kept."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    revoked = models.BooleanField(_("已吊销"), default=False)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"


class LoginFailure(models.Model):
    """One failed login, kept for throttling (by username and by address)."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    username = models.CharField(max_length=150, db_index=True)
    address = models.CharField(max_length=64, blank=True, default="", db_index=True)

    def __str__(self):
        return f"{self.username}@{self.address}"
