"""The catalogue as the back office changes it: one matter at a time, or a whole platform file.

A file upload is a dry run first: the file is read, validated and upserted in a transaction that
is rolled back, and the report says what would be added, changed and retired. The file waits in
the store (any process may take the commit) until the admin commits it or it expires; the commit
runs the same import again, all or nothing. Everything goes through ``hall.importers`` and the
store's functions, like ``hall import`` does.
"""

from __future__ import annotations

import secrets
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path, PurePath
from typing import Any

from pydantic import ValidationError

from hall.admin.errors import AdminInvalid
from hall.importers import (
    EXPORT_FORMATS,
    Format,
    ImportResult,
    import_file,
    parse_format,
    render,
)
from hall.settings import Settings
from hall.store import (
    MatterKind,
    MatterRecord,
    Store,
    delete_upload,
    get_upload,
    iter_matters,
    purge_uploads,
    save_upload,
)

__all__ = [
    "MEDIA_TYPES",
    "Preview",
    "commit_import",
    "discard_import",
    "export_catalogue",
    "preview_import",
    "validate_record",
]

MEDIA_TYPES = {
    Format.JSONL: "application/x-ndjson",
    Format.JSON: "application/json",
    Format.CSV: "text/csv; charset=utf-8",
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Preview:
    """A dry run's result and the id that commits it."""

    upload_id: str
    filename: str
    result: ImportResult


def _safe_name(filename: str) -> str:
    """The file's own name, no folders: it names the temporary file and the audit entry."""
    name = PurePath(filename.replace("\\", "/")).name.strip() or "upload"
    return "".join(c for c in name if c.isprintable())[:120] or "upload"


def _run(
    store: Store,
    settings: Settings,
    *,
    filename: str,
    content: bytes,
    fmt: str,
    retire_missing: bool,
    dry_run: bool,
    by: str,
) -> ImportResult:
    if len(content) > settings.import_max_file_bytes:
        raise AdminInvalid(
            f"file: {len(content)} bytes, over the limit of {settings.import_max_file_bytes}"
        )
    name = _safe_name(filename)
    with tempfile.TemporaryDirectory(prefix="hall-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        result = import_file(
            store,
            path,
            settings=settings,
            fmt=fmt,
            dry_run=dry_run,
            retire_missing=retire_missing,
            by=by,
            name=name,
        )
    result.path = name
    return result


def preview_import(
    store: Store,
    settings: Settings,
    *,
    filename: str,
    content: bytes,
    fmt: str = "auto",
    retire_missing: bool = False,
    by: str,
) -> Preview:
    """Validate and dry-run a file; keep it for :func:`commit_import`."""
    parse_format(fmt)  # an unknown format is refused before anything else
    result = _run(
        store,
        settings,
        filename=filename,
        content=content,
        fmt=fmt,
        retire_missing=retire_missing,
        dry_run=True,
        by=by,
    )
    upload_id = secrets.token_urlsafe(24)
    with store.session() as session:
        purge_uploads(session)
        save_upload(
            session,
            upload_id,
            filename=_safe_name(filename),
            fmt=result.format.value,
            options={"retire_missing": retire_missing},
            content=content,
            by=by,
            ttl=timedelta(minutes=settings.upload_ttl_minutes),
        )
    return Preview(upload_id, _safe_name(filename), result)


def commit_import(store: Store, settings: Settings, upload_id: str, *, by: str) -> ImportResult:
    """Import a previewed file for real (the store may have moved since: the report says what
    this import did), then forget the file."""
    with store.session(commit=False) as session:
        upload = get_upload(session, upload_id)
    result = _run(
        store,
        settings,
        filename=upload.filename,
        content=upload.content,
        fmt=upload.format,
        retire_missing=bool(upload.options.get("retire_missing")),
        dry_run=False,
        by=by,
    )
    discard_import(store, upload_id)
    return result


def discard_import(store: Store, upload_id: str) -> None:
    with store.session() as session:
        delete_upload(session, upload_id)


def export_catalogue(
    store: Store, fmt: str = "jsonl", *, include_retired: bool = True
) -> tuple[bytes, str, str]:
    """The catalogue as a file the platform reads back: (bytes, media type, file name)."""
    parsed = parse_format(fmt)
    if parsed not in EXPORT_FORMATS:
        valid = ", ".join(f.value for f in EXPORT_FORMATS)
        raise AdminInvalid(f"format: cannot export as {fmt!r}; choose one of: {valid}")
    with store.session(commit=False) as session:
        records = [m.record for m in iter_matters(session, include_retired=include_retired)]
    return render(records, parsed), MEDIA_TYPES[parsed], f"hall-catalogue.{parsed.value}"


def validate_record(data: dict[str, Any], settings: Settings, *, kind: MatterKind) -> MatterRecord:
    """A matter from the back office, validated as an import's row would be (AdminInvalid names
    the field)."""
    try:
        return MatterRecord.model_validate(
            {**data, "kind": kind.value},
            context={
                "max_chars": settings.import_max_field_chars,
                "max_items": settings.import_max_list_items,
            },
        )
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            where = ".".join(str(part) for part in error["loc"]) or "matter"
            problems.append(f"{where}: {error['msg']}")
        raise AdminInvalid("; ".join(problems)) from None
