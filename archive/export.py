"""A year's archive of a unit as one package for an outside archive system.

The package is a BagIt bag (RFC 8493) in a zip, written here rather than with the `bagit`
package because that one changes the process's working directory while it writes, which a
threaded web server cannot allow. The tests check each package with `bagit` itself.

    <全宗号>-<年度>/
      bagit.txt, bag-info.txt, manifest-sha256.txt, tagmanifest-sha256.txt
      data/index.json              every entry with its metadata and the check made now
      data/README.txt
      data/<档号>/metadata.json     the entry (著录项 as filed, the handling log)
      data/<档号>/files/NN-<name>   the files
      data/<档号>/signatures.json   the seal or the decision signatures with public keys
      data/<档号>/audit.json        its audit log entries with their chain hashes

A folder is named after its 档号 with `·` written as `.` (ZFB-WS.2026-Y-FW-0001), so that the
paths are plain ASCII; `index.json` gives each entry's `path`.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from datetime import datetime
from typing import IO, Any

from django.utils import timezone

from archive import registry, rules, selectors
from archive.models import ArchiveEntry
from hub.chat.actions import attachment_path
from hub.chat.models import Attachment
from hub.lib.times import iso
from hub.org.models import Unit
from hub.seals import audit
from hub.seals.signing import precise_iso

FORMAT = "huitong-archive/1"
README = """汇通档案导出包（BagIt 格式，RFC 8493）

data/index.json          全部条目的著录项及导出时的真实性、完整性检测结果
data/<档号>/              每件一个目录，目录名为档号（其中“·”写作“.”），见 index.json 的 path
data/<档号>/metadata.json  条目著录项（DA/T 46 字段）与办理过程
data/<档号>/files/        电子文件
data/<档号>/signatures.json 电子签章或审批签名（Ed25519），含公钥与被签数据（tbs），可离线验证：
                          用 public_key 验证 value 是否为 tbs（UTF-8）的签名；tbs 中的附件 SHA-256 应与 files/ 中文件一致
data/<档号>/audit.json     审计日志条目：hash = SHA-256(规范 JSON{seq, at, actor, subject, event, data, prev})
manifest-sha256.txt      每个文件的 SHA-256
"""


def _dir_name(entry: ArchiveEntry) -> str:
    return entry.archive_no.replace("·", ".")


def _file_name(index: int, name: str) -> str:
    safe = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", name).strip(". ") or "file"
    return f"{index + 1:02d}-{safe[:120]}"


class _Bag:
    """Writes payload files into the zip under `<root>/data/`, hashing as it goes."""

    def __init__(self, out: IO[bytes], root: str) -> None:
        self.zip = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED)
        self.root = root
        self.manifest: list[tuple[str, str]] = []
        self.octets = 0

    def add_bytes(self, path: str, data: bytes) -> str:
        self.zip.writestr(f"{self.root}/data/{path}", data)
        digest = hashlib.sha256(data).hexdigest()
        self.manifest.append((digest, f"data/{path}"))
        self.octets += len(data)
        return digest

    def add_json(self, path: str, value: Any) -> str:
        return self.add_bytes(path, json.dumps(value, ensure_ascii=False, indent=2,
                                               sort_keys=True).encode("utf-8"))

    def add_file(self, path: str, source: Any) -> tuple[str, int] | None:
        digest, size = hashlib.sha256(), 0
        try:
            handle = open(source, "rb")  # noqa: SIM115
        except FileNotFoundError:
            return None
        info = zipfile.ZipInfo(f"{self.root}/data/{path}",
                               date_time=timezone.localtime().timetuple()[:6])
        info.compress_type = zipfile.ZIP_STORED
        with handle, self.zip.open(info, "w", force_zip64=True) as target:
            while chunk := handle.read(1024 * 1024):
                digest.update(chunk)
                size += len(chunk)
                target.write(chunk)
        self.manifest.append((digest.hexdigest(), f"data/{path}"))
        self.octets += size
        return digest.hexdigest(), size

    def close(self, bag_info: dict[str, str]) -> None:
        tags: list[tuple[str, bytes]] = [
            ("bagit.txt", b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"),
            ("bag-info.txt", "".join(f"{k}: {v}\n" for k, v in {
                **bag_info, "Payload-Oxum": f"{self.octets}.{len(self.manifest)}",
            }.items()).encode("utf-8")),
            ("manifest-sha256.txt", "".join(f"{d}  {p}\n" for d, p in self.manifest)
             .encode("utf-8")),
        ]
        for name, data in tags:
            self.zip.writestr(f"{self.root}/{name}", data)
        tagmanifest = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n"
                              for name, data in tags)
        self.zip.writestr(f"{self.root}/tagmanifest-sha256.txt", tagmanifest.encode("utf-8"))
        self.zip.close()


def _check_now(entry: ArchiveEntry, hashes: dict[int, str]) -> dict[str, Any]:
    """The seal or signatures checked again by the entry's kind; `hashes`: the files'
    digests as just written."""
    kind = registry.get(entry.kind)
    if kind is None:
        return {"valid": False, "reason": f"未注册的档案类别：{entry.kind}"}
    valid, reason = kind.verify(entry.object_id, hashes)
    return {"valid": valid, "reason": reason}


def _signatures(entry: ArchiveEntry) -> list[dict[str, Any]]:
    kind = registry.get(entry.kind)
    return kind.signatures(entry.object_id) if kind is not None else []


def write_package(out: IO[bytes], *, unit: Unit, year: int,
                  now: datetime | None = None) -> int:
    """Write the package of `unit`'s year `year` into `out`; the number of entries."""
    entries = list(ArchiveEntry.objects.filter(unit=unit, year=year)
                   .select_related("unit", "filed_by")
                   .order_by("kind", "retention", "item_no"))
    now = now or timezone.now()
    root = f"{rules.fonds_code(unit.code)}-{year}"
    bag = _Bag(out, root)
    index = []
    attachments = {a.id: a for a in Attachment.objects.filter(
        id__in=[f["attachment"] for entry in entries for f in entry.files])}
    for entry in entries:
        base = _dir_name(entry)
        files, missing = [], []
        hashes: dict[int, str] = {}
        for i, item in enumerate(entry.files):
            attachment = attachments.get(item["attachment"])
            path = f"{base}/files/{_file_name(i, item['name'])}"
            written = bag.add_file(path, attachment_path(attachment)) if attachment else None
            if written is None:
                missing.append(item["name"])
                continue
            hashes[item["attachment"]] = written[0]
            files.append({"name": item["name"], "path": f"data/{path}", "size": written[1],
                          "sha256": written[0], "sha256_at_filing": item["sha256"],
                          "intact": written[0] == item["sha256"]})
        logged = selectors.audit_entries(entry)
        record = selectors.entry_dict(entry, full=True, logged=logged)
        record.pop("files")
        record["files"] = files
        record["missing_files"] = missing
        check = _check_now(entry, hashes)
        record["check_at_export"] = {**check, "at": iso(now),
                                     "files_intact": not missing and all(f["intact"] for f in files)}
        bag.add_json(f"{base}/metadata.json", record)
        bag.add_json(f"{base}/signatures.json", _signatures(entry))
        bag.add_json(f"{base}/audit.json", [
            {"seq": e.seq, "at": precise_iso(e.at), "actor": e.actor_id, "subject": e.subject,
             "event": e.event, "data": e.data, "prev_hash": e.prev_hash, "hash": e.hash}
            for e in logged])
        index.append({k: record[k] for k in (
            "archive_no", "kind", "kind_label", "year", "retention", "retention_label",
            "item_no", "title", "number", "doc_type", "date", "responsible", "secrecy",
            "content_sha256", "filed_at", "verified", "verify_detail", "check_at_export",
            "missing_files")} | {"path": f"data/{base}/", "metadata": entry.metadata})
    head_seq, head_hash = audit.head()
    bag.add_json("index.json", {"format": FORMAT, "unit": {"code": unit.code, "name": unit.name},
                                "fonds": rules.fonds_code(unit.code), "year": year,
                                "generated_at": iso(now), "count": len(entries),
                                "audit_head": {"seq": head_seq, "hash": head_hash},
                                "entries": index})
    bag.add_bytes("README.txt", README.encode("utf-8"))
    bag.close({"Source-Organization": unit.name,
               "External-Identifier": root, "External-Description":
               f"{unit.name} {year} 年度文书档案（汇通导出）", "Bagging-Date": now.date().isoformat(),
               "Bag-Count": "1 of 1", "Bag-Software-Agent": FORMAT})
    return len(entries)
