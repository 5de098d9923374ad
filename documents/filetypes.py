"""Recognise a file's type by its content (magic bytes), never by its name or the browser's word.

A forbidden file renamed to ``.pdf`` still starts with its own signature, so it is refused.
"""

import zipfile
from dataclasses import dataclass
from typing import BinaryIO


@dataclass(frozen=True)
class FileType:
    key: str
    extension: str
    content_type: str


PDF = FileType("pdf", ".pdf", "application/pdf")
PNG = FileType("png", ".png", "image/png")
JPEG = FileType("jpeg", ".jpg", "image/jpeg")
DOCX = FileType("docx", ".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")

KNOWN_TYPES = {t.key: t for t in (PDF, PNG, JPEG, DOCX)}


def detect_file_type(stream: BinaryIO) -> FileType | None:
    """The type of the file by its first bytes (and, for ZIP containers, its entries); None when unknown."""
    stream.seek(0)
    head = stream.read(16)
    stream.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        # Any ZIP starts like this; only a Word document carries word/document.xml.
        try:
            with zipfile.ZipFile(stream) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        finally:
            stream.seek(0)
        if "[Content_Types].xml" in names and "word/document.xml" in names:
            return DOCX
    return None
