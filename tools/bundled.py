"""Scripts for the static site, taken from npm packages at build time and checked before use.

The site must work offline, so its scripts (Mermaid) are files in the site, not CDN links. They
come from the package's tarball on the npm registry, fetched with Python (Node need not be
installed), checked against the sha512 integrity pinned here (the same string npm writes in a
package-lock.json), and cached in a git-ignored folder: the registry is asked once per version.

    script = bundled_file(MERMAID, cache=ROOT / ".cache" / "npm")   # bytes of dist/mermaid.min.js
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import tarfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from migrator.errors import MigratorError

#: npm's own default; ``npm_config_registry`` (the variable npm itself reads) points elsewhere.
DEFAULT_REGISTRY = "https://registry.npmjs.org"
DOWNLOAD_SECONDS = 120


@dataclass(frozen=True)
class NpmPackage:
    """One pinned release of an npm package, and the files the site takes from it."""

    name: str
    version: str
    integrity: str  # "sha512-<base64>", as in npm's lockfiles and `npm view NAME@VERSION dist.integrity`
    files: tuple[str, ...]  # paths inside the tarball, under package/

    @property
    def tarball_name(self) -> str:
        return f"{self.name}-{self.version}.tgz"

    def url(self, registry: str | None = None) -> str:
        registry = (registry or os.environ.get("npm_config_registry") or DEFAULT_REGISTRY).rstrip("/")
        return f"{registry}/{self.name}/-/{self.tarball_name}"


#: The Mermaid that JupyterLab 4.6 draws with (requirements.txt pins jupyterlab~=4.6.6), so the
#: site draws the diagrams as the learner sees them in the course. LICENSE: MIT, shipped alongside.
MERMAID = NpmPackage(
    name="mermaid",
    version="11.16.1",
    integrity="sha512-TQsq6u22fAn3rek5VOubrhKPo1g5hwC3FXUN9hiyupTckcYiGuuKGkNQrKYwGJkXUxZdojwRG46gsSCFZMDp4g==",
    files=("package/dist/mermaid.min.js", "package/LICENSE"),
)


def integrity_of(data: bytes) -> str:
    """The npm integrity string of ``data`` (Subresource Integrity form, sha512)."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def _download(package: NpmPackage) -> bytes:
    url = package.url()
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_SECONDS) as response:
            return response.read()
    except (urllib.error.URLError, OSError) as error:
        raise MigratorError(
            f"Could not download {package.name} {package.version} from {url} ({error}).",
            "The site's build needs the npm registry once per version (then it is cached): check "
            "the network, or set npm_config_registry to a registry you can reach.",
        ) from None


def tarball(package: NpmPackage, cache: Path) -> bytes:
    """The package's tarball, from the cache or the registry, only if it matches its integrity."""
    path = cache / package.tarball_name
    if path.exists():
        data = path.read_bytes()
        if integrity_of(data) == package.integrity:
            return data
        path.unlink()  # a broken or partial download: fetch it again, and check that copy too
    data = _download(package)
    found = integrity_of(data)
    if found != package.integrity:
        raise MigratorError(
            f"{package.tarball_name} from {package.url()} is not the pinned release: its integrity "
            f"is {found[:30]}..., the pin is {package.integrity[:30]}....",
            "Nothing was written. If the pin in tools/bundled.py is what you meant, the download was "
            "altered on the way: try again from another network (or npm_config_registry).",
        )
    cache.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(path)
    return data


def bundled_files(package: NpmPackage, cache: Path) -> dict[str, bytes]:
    """The package's ``files`` (keyed by their name without ``package/``), from a checked tarball.

    One pass over the archive (a stream): seeking in a gzip file decompresses it again and again."""
    wanted = set(package.files)
    found: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(tarball(package, cache)), mode="r|gz") as archive:
        for member in archive:
            if member.name in wanted and member.isfile():
                found[member.name.removeprefix("package/")] = archive.extractfile(member).read()
    missing = sorted(wanted - {f"package/{name}" for name in found})
    if missing:
        raise MigratorError(
            f"{package.tarball_name} has no file {', '.join(missing)}.",
            "The package changed its layout: pick the file's new path in tools/bundled.py.",
        )
    return found
