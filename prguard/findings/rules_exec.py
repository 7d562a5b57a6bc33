"""Rules on added lines: downloads piped into a shell, decoded content executed, long encoded blobs."""
from __future__ import annotations

import math
import re
from collections import Counter

from prguard.findings import hosts
from prguard.findings.finding import Severity
from prguard.findings.places import Place, lockfile_manifests
from prguard.findings.registry import LINE, rule

_SHELLS = r"(?:sudo\s+(?:-\S+\s+)*)?(?:env\s+(?:\S+=\S*\s+)*)?(?:ba|z|da|k|fi|a)?sh\b"
_INTERPRETERS = r"(?:sudo\s+(?:-\S+\s+)*)?(?:python[0-9.]*|perl|ruby|node|php|pwsh|powershell)\b"
_PIPE = r"(?<!\|)\|(?!\|)\s*"  # a pipe, not the shell's "or" (||)
_FETCH = r"\b(?:curl|wget|fetch|aria2c|http(?:ie)?)\b"
PIPE_TO_SHELL = re.compile(
    rf"{_FETCH}[^\n]*?{_PIPE}(?:{_SHELLS}|{_INTERPRETERS})"  # curl ... | sh, wget -O- ... | python3 -
    rf"|(?:\b(?:ba|z|k)?sh|\bsource|(?<![\w.])\.)\s+(?:-s\s+)?<\(\s*{_FETCH}"  # bash <(curl ...)
    rf"|\b(?:(?:ba|z)?sh\s+-c|eval)\s+[\"']?\$\(\s*{_FETCH}"  # sh -c "$(curl ...)", eval "$(wget ...)"
    r"|\b(?:iwr|irm|invoke-webrequest|invoke-restmethod)\b[^\n]*?\|\s*(?:iex|invoke-expression)\b"
    r"|\b(?:iex|invoke-expression)\b\s*\(?\s*(?:\(?\s*new-object\s+(?:system\.)?net\.webclient\s*\)?\s*\."
    r"downloadstring|\(?\s*(?:iwr|irm|invoke-webrequest|invoke-restmethod)\b)",
    re.IGNORECASE,
)
DECODED_EXEC = re.compile(
    rf"\bbase64\s+(?:-\w*d\w*|--decode)\b[^\n]*?{_PIPE}(?:{_SHELLS}|{_INTERPRETERS}|eval\b)"
    rf"|\b(?:xxd\s+-r|openssl\s+(?:enc|base64)\s[^|\n]*-d|xz\s+-d|xzcat|unxz|gunzip|zcat|bunzip2|lzma\s+-d)"
    rf"[^\n]*?{_PIPE}(?:{_SHELLS}|eval\b)"
    r"|\beval\s+[\"']?\$\([^)\n]*\bbase64\s+(?:-\w*d\w*|--decode)"
    r"|\b(?:exec|eval)\s*\(\s*(?:compile\s*\(\s*)?(?:__import__\s*\(\s*['\"]"
    r"(?:base64|zlib|lzma|bz2|gzip|marshal|codecs)['\"]\s*\)|base64|zlib|lzma|bz2|gzip|marshal|codecs|"
    r"bytes\.fromhex|binascii)\s*\.?"
    r"|\b(?:eval|new\s+Function|Function)\s*\(\s*(?:atob|Buffer\.from|unescape|String\.fromCharCode|"
    r"decodeURIComponent)\s*\("
    r"|\beval\s*\(\s*(?:base64_decode|gzinflate|gzuncompress|str_rot13|Base64\.decode64|decode_base64)\s*\("
    r"|\s-(?:e|ec|en|enc|enco|encodedcommand)\s+[A-Za-z0-9+/]{40,}={0,2}"
    r"|\[(?:system\.)?convert\]::frombase64string[^\n]*\b(?:iex|invoke-expression)\b"
    r"|\b(?:iex|invoke-expression)\b[^\n]*\[(?:system\.)?convert\]::frombase64string",
    re.IGNORECASE,
)
_BLOB = re.compile(r"[A-Za-z0-9+/_-]{200,}={0,2}|(?:\\x[0-9a-fA-F]{2}){80,}|[0-9a-fA-F]{400,}")
_NOT_A_PAYLOAD = re.compile(r"data:[\w/+.-]+;base64,|-----BEGIN |\bsha(?:1|256|384|512)-|integrity|"
                            r"sourceMappingURL", re.IGNORECASE)
_DATA_SUFFIXES = (".svg", ".map", ".min.js", ".min.css", ".snap", ".json", ".lock", ".sum", ".csv", ".tsv",
                  ".pem", ".crt", ".cer", ".key", ".pub", ".asc", ".gpg", ".sig", ".ipynb", ".drawio", ".xml")


def _download_severity(text: str, place: Place) -> tuple[Severity, str]:
    """How much a download piped into a shell matters here, and the sentence saying why."""
    found = hosts.urls(text)
    source = f"from {found[0][0]}" if found else "from a URL that is not written on the line"
    if place is Place.DOCUMENTATION:
        return Severity.LOW, (f"Documentation shows a script downloaded {source} piped into a shell; nothing "
                              "runs it here, but readers will: check the URL is the vendor's.")
    if found and all(hosts.is_known_installer(host, path) for host, path in found):
        return Severity.MEDIUM, (f"Runs the official installer {source} straight from the network: a "
                                 "compromise of that host runs code here, with this job's secrets.")
    where = "source code" if place is Place.CODE else "a file that runs in CI or at build/install time"
    return (Severity.MEDIUM if place is Place.CODE else Severity.HIGH,
            f"Runs a script downloaded {source}, in {where}: whoever controls that URL runs code here, with "
            "this job's secrets.")


@rule("pipe-to-shell", LINE, "a download piped into a shell or interpreter (curl | sh, bash <(curl), "
      "iwr | iex)",
      trigger=r"curl|wget|fetch|aria2c|http|iwr|irm|invoke-|downloadstring")
def pipe_to_shell(r, line, file):
    match = PIPE_TO_SHELL.search(line.text)
    if not match:
        return
    severity, message = _download_severity(line.text, file.place)
    yield r.finding(severity, "runs a downloaded script", message, path=file.path, line=line.number,
                    fix="download a pinned release, check its checksum or signature, then run the file",
                    identity=match.group(0)[:200])


@rule("decoded-exec", LINE, "decoded or decompressed content executed (base64 -d | sh, exec(zlib...), "
      "eval(atob))",
      trigger=r"base64|xxd|openssl|xz|unxz|gunzip|zcat|bunzip2|lzma|exec|eval|function|-e|frombase64")
def decoded_exec(r, line, file):
    match = DECODED_EXEC.search(line.text)
    if not match:
        return
    severity = Severity.LOW if file.place is Place.DOCUMENTATION else Severity.HIGH
    yield r.finding(severity, "executes decoded content", "Decodes or decompresses data and executes it: the "
                    "code that runs cannot be read in this diff.", path=file.path, line=line.number,
                    fix="commit the code that runs as readable source", identity=match.group(0)[:200])


def _entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


@rule("encoded-blob", LINE, "a long encoded blob (base64, hex) added to a script or source file",
      trigger=r"[A-Za-z0-9+/_-]{200}|(?:\\x[0-9a-f]{2}){80}|[0-9a-f]{400}")
def encoded_blob(r, line, file):
    lower = file.path.lower()
    if (file.place is Place.DOCUMENTATION or lower.endswith(_DATA_SUFFIXES) or lockfile_manifests(file.path)
            or "/testdata/" in f"/{lower}" or "fixtures/" in lower or _NOT_A_PAYLOAD.search(line.text)):
        return
    blob = next((m.group(0) for m in _BLOB.finditer(line.text) if _entropy(m.group(0)) >= 4.0), None)
    if blob is None:
        return
    yield r.finding(Severity.MEDIUM, "adds a long encoded blob", f"Adds {len(blob):,} characters of encoded "
                    "data to a file that runs; what it decodes to cannot be reviewed here.", path=file.path,
                    line=line.number, fix="commit the decoded content or the tool that generates it",
                    identity=blob[:64])
