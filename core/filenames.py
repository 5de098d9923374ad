"""File names given by users (an upload's name), made safe to store, list and send back.

A name can carry characters that are invisible or that reorder the text shown: U+202E (right-to-left
override) turns "invoice\u202Efdp.exe" into "invoiceexe.pdf" on screen; zero-width and other format
characters hide part of a name; control characters (NUL, newlines) break headers and logs. These are
removed, the name is put in Unicode NFC form, a path is cut to its last part, and spaces are collapsed.
"""

import re
import unicodedata

# Unicode categories removed: Cc control, Cf format (bidi overrides and isolates, zero-width characters,
# the BOM, soft hyphen), Co private use, Cs surrogates, Cn unassigned, Zl/Zp line and paragraph separators.
REMOVED_CATEGORIES = {"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"}
MAX_LENGTH = 200  # documents.Document.original_name


def clean_file_name(name: str | None, default: str = "document") -> str:
    """``name`` without a path, invisible, control or direction-changing characters, NFC-normalised,
    other spaces made plain and collapsed, at most MAX_LENGTH characters (the extension kept);
    ``default`` when nothing is left."""
    text = unicodedata.normalize("NFC", name or "")
    text = "".join(" " if unicodedata.category(ch) == "Zs" else ch
                   for ch in text if unicodedata.category(ch) not in REMOVED_CATEGORIES)
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = re.sub(r" {2,}", " ", text).strip(" .")
    if not text:
        return default
    if len(text) > MAX_LENGTH:
        stem, dot, extension = text.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            text = stem[: MAX_LENGTH - len(extension) - 1].rstrip(" .") + "." + extension
        else:
            text = text[:MAX_LENGTH]
    return text
