"""Pages of master data: index (/masterdata/), spreadsheet import (upload, dry run, commit), templates, export."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ecerp.core.permissions import AUTHENTICATED, has_permission, require_permission
from ecerp.masterdata.exporting import export_workbook, template_workbook
from ecerp.masterdata.importing.problems import ImportFailed
from ecerp.masterdata.importing.services import commit_import, preview_import
from ecerp.masterdata.importing.specs import SPECS
from ecerp.masterdata.models_import import ImportJob, ImportJobStatus

IMPORT = "masterdata.import_masterdata"
EXPORT = "masterdata.export_masterdata"
MAX_STORED_PROBLEMS = 2000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# The master data kinds listed on the home page and in the admin's master data index.
INDEX_MODELS = ["department", "employee", "partner", "category", "product", "warehouse", "location", "store"]


@require_permission(AUTHENTICATED)
def index(request):
    """/masterdata/: the master data index (the admin's list of master data kinds), or the home page's
    master data card for a user who may open none of them."""
    user = request.user
    if any(has_permission(user, f"masterdata.{action}_{model}") for model in INDEX_MODELS
           for action in ("view", "change")):
        return redirect(reverse("admin:app_list", kwargs={"app_label": "masterdata"}))
    return redirect(reverse("core:home") + "#module-masterdata")


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename=\"{filename}\""
    return response


def _kinds():
    return [(spec.kind, spec.label) for spec in SPECS.values()]


def _store_result(job: ImportJob, result) -> None:
    job.summary = {**result.summary(), "samples": result.samples}
    job.problems = [problem.as_dict() for problem in result.problems[:MAX_STORED_PROBLEMS]]
    job.problem_count = len(result.problems)


@require_permission(IMPORT)
@require_http_methods(["GET", "POST"])
def import_page(request):
    """Choose a type and upload a file; the upload is checked (dry run) and kept for the commit."""
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        upload = request.FILES.get("file")
        if kind not in SPECS:
            messages.error(request, _("请选择导入类型"))
        elif upload is None:
            messages.error(request, _("请选择要上传的文件（xlsx 或 csv）"))
        else:
            content = upload.read()
            result = preview_import(kind=kind, content=content, filename=upload.name, user=request.user)
            job = ImportJob(kind=kind, filename=upload.name[:255], content=content, created_by=request.user)
            _store_result(job, result)
            job.save()
            return redirect("masterdata:import_job", pk=job.pk)
    jobs = ImportJob.objects.filter(created_by=request.user).defer("content")[:10]
    return render(request, "masterdata/import.html", {
        "title": _("导入基础资料"), "kinds": _kinds(), "jobs": jobs, "selected": request.GET.get("kind", ""),
    })


def _own_job(request, pk: int) -> ImportJob:
    job = get_object_or_404(ImportJob.objects.defer("content"), pk=pk)
    if job.created_by_id != request.user.pk and not request.user.is_superuser:
        raise Http404
    return job


@require_permission(IMPORT)
def import_job(request, pk: int):
    """Show the dry run of an uploaded file: counts and every problem (row, column, message)."""
    job = _own_job(request, pk)
    spec = SPECS[job.kind]
    return render(request, "masterdata/import_job.html", {
        "title": _("导入预检：%(label)s") % {"label": spec.label}, "job": job, "spec": spec,
        "summary": job.summary, "problems": job.problems,
        "hidden_problems": max(0, job.problem_count - len(job.problems)),
        "can_commit": job.status != ImportJobStatus.COMMITTED and job.problem_count == 0,
    })


@require_permission(IMPORT)
@require_POST
def import_commit(request, pk: int):
    """Commit a previewed file: all rows or none; problems found now are shown like the dry run's."""
    _own_job(request, pk)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=pk)
        if job.status == ImportJobStatus.COMMITTED:
            messages.info(request, _("该文件已经导入过"))
            return redirect("masterdata:import_job", pk=job.pk)
        try:
            result = commit_import(user=request.user, kind=job.kind, content=bytes(job.content),
                                   filename=job.filename)
        except ImportFailed as error:
            result = error.result
            if result is None:
                job.problems = [problem.as_dict() for problem in error.problems[:MAX_STORED_PROBLEMS]]
                job.problem_count = len(error.problems)
            else:
                _store_result(job, result)
            job.status = ImportJobStatus.FAILED
            job.save()
            messages.error(request, _("导入失败，没有写入任何数据，请查看问题列表"))
            return redirect("masterdata:import_job", pk=job.pk)
        _store_result(job, result)
        job.status = ImportJobStatus.COMMITTED
        job.committed_at = timezone.now()
        job.save()
    messages.success(request, _("导入完成：新增 %(created)s 条，更新 %(updated)s 条，未变 %(unchanged)s 条")
                     % result.summary())
    return redirect("masterdata:import_job", pk=job.pk)


@require_permission(IMPORT)
def import_template(request, kind: str):
    """Download the import template of a type (Chinese headers, notes, an example)."""
    if kind not in SPECS:
        raise Http404
    return _xlsx(template_workbook(kind=kind), f"template_{kind}.xlsx")


@require_permission(EXPORT)
def export_page(request):
    """List the types that can be exported."""
    return render(request, "masterdata/export.html", {"title": _("导出基础资料"), "kinds": _kinds()})


@require_permission(EXPORT)
def export_download(request, kind: str):
    """Download every record of a type the user may see as xlsx (personal data masked unless permitted)."""
    if kind not in SPECS:
        raise Http404
    stamp = timezone.localtime().strftime("%Y%m%d%H%M")
    return _xlsx(export_workbook(user=request.user, kind=kind), f"{kind}_{stamp}.xlsx")
