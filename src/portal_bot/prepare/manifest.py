"""``prepared/manifest.json``: what ``portal-bot prepare`` made for each candidate, and from what.

The registration flow reads this file (``Manifest.load`` → ``entry_for``) to find the photo and PDFs
to upload; ``prepare`` reads it back to skip candidates whose inputs, options and document code are
unchanged. Paths inside are relative to the manifest's folder, so a prepared cohort can be moved or
copied to another machine. It carries masked ID numbers only, never the unmasked ones, and no
timestamps (the same inputs give the same manifest, whatever the number of workers).

This module must never import Pillow, pypdf or OpenCV: it is loaded by the register command too.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from portal_bot.errors import StateError
from portal_bot.fileio import atomic_write_text
from portal_bot.i18n import S_

#: The manifest's own format; a manifest of another format is ignored (everything is redone).
FORMAT = 1
MANIFEST_NAME = "manifest.json"
Kind = Literal["photo", "materials", "evidence"]
KINDS: tuple[Kind, ...] = ("photo", "materials", "evidence")
#: The small copy of the photo as sent, beside photo.jpg, for the contact sheet.
BEFORE_NAME = "photo-before.jpg"
#: The file each output is written to, inside ``prepared/<candidate file stem>/``.
OUTPUT_NAMES: dict[Kind, str] = {
    "photo": "photo.jpg",
    "materials": "materials.pdf",
    "evidence": "evidence.pdf",
}


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file, read in blocks (bundles can be close to 20 MB)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def relative_to(path: Path, base: Path) -> str:
    """``path`` relative to ``base`` in POSIX form, or absolute when there is no relative path
    (another drive on Windows)."""
    try:
        return Path(os.path.relpath(path, base)).as_posix()
    except ValueError:
        return path.as_posix()


class InputRef(BaseModel):
    """One input file of an output, as it was when the output was made."""

    model_config = ConfigDict(extra="forbid")

    path: str  # relative to the manifest's folder
    sha256: str


class Output(BaseModel):
    """One prepared file: the fixed photo, the materials bundle or the evidence bundle."""

    model_config = ConfigDict(extra="forbid")

    path: str  # relative to the manifest's folder
    sha256: str
    bytes: int
    pages: int | None = None  # PDFs
    width: int | None = None  # the photo
    height: int | None = None
    inputs: list[InputRef]
    warnings: list[str] = Field(default_factory=list)  # what the document code said about it
    actions: list[str] = Field(default_factory=list)  # what was changed (the photo)
    review: list[str] = Field(default_factory=list)  # why a person should look at it (the photo)
    changes: list[str] = Field(default_factory=list)  # what changed how the photo looks (a subset of actions)
    before: str | None = None  # a small copy of the photo as sent (the contact sheet's "before")


class PreparedEntry(BaseModel):
    """One candidate in the manifest. ``photo``, ``materials``, ``evidence`` are absolute paths."""

    model_config = ConfigDict(extra="forbid")

    file: str  # the candidate file, relative to the cohort folder
    name: str
    id_masked: str | None
    ok: bool
    problems: list[str]
    warnings: list[str]
    key: str | None = None  # sha256 of input hashes + options + document code version
    outputs: dict[Kind, Output] = Field(default_factory=dict)
    _root: Path = PrivateAttr(default=Path("."))

    def _absolute(self, kind: Kind) -> Path | None:
        output = self.outputs.get(kind)
        return (self._root / output.path).resolve() if output else None

    def _sha(self, kind: Kind) -> str | None:
        output = self.outputs.get(kind)
        return output.sha256 if output else None

    @property
    def photo(self) -> Path | None:
        return self._absolute("photo")

    @property
    def materials(self) -> Path | None:
        return self._absolute("materials")

    @property
    def evidence(self) -> Path | None:
        return self._absolute("evidence")

    @property
    def photo_sha256(self) -> str | None:
        return self._sha("photo")

    @property
    def materials_sha256(self) -> str | None:
        return self._sha("materials")

    @property
    def evidence_sha256(self) -> str | None:
        return self._sha("evidence")


class Manifest(BaseModel):
    """Everything ``prepare`` made for a cohort, in candidate-file order."""

    model_config = ConfigDict(extra="forbid")

    format: int = FORMAT
    document_code_version: int
    cohort: str  # the cohort folder, relative to the manifest's folder
    options: dict[str, int | bool | str | None]
    candidates: list[PreparedEntry]
    _path: Path = PrivateAttr(default=Path(MANIFEST_NAME))
    _redone: list[str] = PrivateAttr(default_factory=list)

    @property
    def path(self) -> Path:
        """Where this manifest lives (absolute)."""
        return self._path

    @property
    def cohort_dir(self) -> Path:
        return (self._path.parent / self.cohort).resolve()

    @property
    def ok(self) -> bool:
        return all(entry.ok for entry in self.candidates)

    @property
    def redone(self) -> list[str]:
        """Candidate files whose documents were (re)made by the run that returned this manifest."""
        return list(self._redone)

    def attach(self, path: Path, redone: list[str] | None = None) -> Manifest:
        """Bind to the file ``path`` so relative paths resolve (used by load and by prepare)."""
        self._path = path.absolute()
        self._redone = list(redone or [])
        for entry in self.candidates:
            entry._root = self._path.parent
        return self

    @classmethod
    def load(cls, path: Path) -> Manifest:
        """Read a manifest written by ``prepare``; a folder means its ``manifest.json``.

        Raises:
            StateError: the file is missing, not JSON, or not a manifest of this format.
        """
        if path.is_dir():
            path = path / MANIFEST_NAME
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise StateError(
                S_("no manifest here"), path=path, hint=S_("run `portal-bot prepare COHORT_DIR` first")
            ) from None
        except OSError as exc:
            raise StateError(S_("cannot read: {}").format(exc.strerror or exc), path=path) from exc
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                raise StateError(
                    S_("is not a manifest of format {}").format(FORMAT),
                    path=path,
                    hint=S_("run `portal-bot prepare` again to rewrite it"),
                )
            manifest = cls.model_validate(data)
        except (ValueError, ValidationError) as exc:
            raise StateError(
                S_("is not a valid manifest ({})").format(type(exc).__name__),
                path=path,
                hint=S_("run `portal-bot prepare --force` to rewrite it"),
            ) from exc
        return manifest.attach(path)

    def entry_for(self, candidate_file: Path) -> PreparedEntry | None:
        """The entry of one candidate file (any spelling of its path), or None."""
        wanted = candidate_file.resolve()
        base = self.cohort_dir
        for entry in self.candidates:
            if (base / entry.file).resolve() == wanted:
                return entry
        return None

    def to_json(self) -> str:
        return self.model_dump_json(indent=2) + "\n"

    def save(self) -> bool:
        """Write atomically; returns False (and leaves the file alone) when nothing changed."""
        text = self.to_json()
        try:
            if self._path.read_text(encoding="utf-8") == text:
                return False
        except OSError:
            pass
        atomic_write_text(self._path, text)
        return True
