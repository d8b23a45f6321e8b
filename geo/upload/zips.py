"""Unpacking uploaded zip archives (zipped Shapefiles, KMZ) safely.

Members are unpacked only into a temporary folder under names the reader chooses (never
the names inside the zip). Members with absolute or ``..`` paths, links, passwords or a
compression method Python cannot unpack (Deflate64, AES "method 99", …) are refused with
a message; sizes are checked against ``config/upload.toml`` both as declared and while
unpacking (zip bombs lie about their sizes).
"""

from __future__ import annotations

import io
import re
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Final, TypeVar

from geo.declared.i18n import Joined, Message
from geo.errors import InputFileError
from geo.upload.settings import BYTES_PER_MB, UploadSettings

T = TypeVar("T")

SKIP_MEMBER: Final = re.compile(r"(^|/)(__MACOSX/|\._|\.DS_Store$|Thumbs\.db$)")
_METHODS: Final[dict[int, str]] = {
    zipfile.ZIP_STORED: "stored",
    zipfile.ZIP_DEFLATED: "Deflate",
    zipfile.ZIP_BZIP2: "BZIP2",
    zipfile.ZIP_LZMA: "LZMA",
}
_UNSUPPORTED_METHODS: Final[dict[int, str]] = {
    9: "Deflate64 (enhanced deflate)",
    99: "AES encryption (method 99)",
    93: "Zstandard",
    95: "XZ",
    98: "PPMd",
}


def mb(n: int) -> str:
    """A byte count in megabytes for messages, e.g. '50.0 MB'."""
    return f"{n / BYTES_PER_MB:,.1f} MB"


def _method_problem(info: zipfile.ZipInfo) -> str | None:
    method = info.compress_type
    if method in _METHODS:
        return None
    what = _UNSUPPORTED_METHODS.get(method, f"compression method {method}")
    return Message("err_zip_method", member=repr(info.filename), what=what)


def safe_members(zf: zipfile.ZipFile, name: str, settings: UploadSettings) -> list[zipfile.ZipInfo]:
    """The archive's file members, after checking paths, links, passwords, compression
    methods and sizes."""
    infos = zf.infolist()
    if len(infos) > settings.max_zip_members:
        raise InputFileError(
            "err_zip_members", name=name, count=len(infos), limit=settings.max_zip_members
        )
    problems: list[str] = []
    methods: list[str] = []
    for info in infos:
        member = info.filename.replace("\\", "/")
        parts = PurePosixPath(member).parts
        if member.startswith("/") or re.match(r"^[A-Za-z]:", member) or ".." in parts:
            problems.append(Message("err_zip_unsafe_path", member=repr(info.filename)))
        if stat.S_ISLNK(info.external_attr >> 16):
            problems.append(Message("err_zip_symlink", member=repr(info.filename)))
        if info.flag_bits & 0x1:
            problems.append(Message("err_zip_password", member=repr(info.filename)))
        elif (problem := _method_problem(info)) is not None:
            methods.append(problem)
    if problems:
        raise InputFileError("err_zip_refused", name=name, problems=Joined(problems[:5]))
    if methods:
        raise InputFileError("err_zip_compression", name=name, methods=Joined(methods[:5]))
    total = sum(i.file_size for i in infos)
    if total > settings.max_uncompressed_bytes:
        raise InputFileError(
            "err_zip_oversize", name=name, size=mb(total), limit=mb(settings.max_uncompressed_bytes)
        )
    return [i for i in infos if not i.is_dir() and not SKIP_MEMBER.search(i.filename)]


def extract(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    target: Path,
    *,
    budget: list[int],
    name: str,
    settings: UploadSettings,
) -> None:
    """Copy one member to ``target`` (a name chosen by us), counting the real bytes."""
    try:
        with zf.open(info) as src, target.open("wb") as dst:
            while chunk := src.read(1 << 20):
                budget[0] -= len(chunk)
                if budget[0] < 0:
                    raise InputFileError(
                        "err_zip_oversize_more",
                        name=name,
                        limit=mb(settings.max_uncompressed_bytes),
                    )
                dst.write(chunk)
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        if isinstance(exc, InputFileError):
            raise
        raise InputFileError(
            "err_zip_unpack", name=name, member=repr(info.filename), cause=str(exc)
        ) from exc


def with_members(
    data: bytes,
    name: str,
    settings: UploadSettings,
    pick: Callable[[zipfile.ZipFile, list[zipfile.ZipInfo], list[int]], T],
) -> T:
    """Open the zip, check its members, and hand them (with a byte budget) to ``pick``."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = safe_members(zf, name, settings)
            return pick(zf, members, [settings.max_uncompressed_bytes])
    except zipfile.BadZipFile as exc:
        raise InputFileError("err_zip_damaged", name=name, cause=str(exc)) from exc
