"""What a workspace holds, for `atmp-kg workspace`."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from .layout import locate, read_manifest


def folder(home=None) -> Path:
    return locate(home)


def describe(home=None) -> dict:
    from ..diff.snapshots import list_snapshots
    from . import open_graph

    where = locate(home)
    manifest = read_manifest(where)
    store = open_graph(None, home)
    added = {s.source for s in manifest.snapshots} if manifest else set()
    shipped = [{"date": r.date, "file": r.file} for r in list_snapshots(store) if r.source not in added]
    info = {
        "folder": str(where),
        "exists": manifest is not None,
        "store": str(where / manifest.store) if manifest else None,
        "triples": manifest.triples if manifest else len(store),
        "derived": manifest.derived if manifest else None,
        "updated": manifest.updated if manifest else None,
        "shipped_snapshots": shipped,
        "snapshots": [asdict(s) for s in manifest.snapshots] if manifest else [],
    }
    return info


def to_text(info: dict) -> str:
    if not info["exists"]:
        return (f"no workspace at {info['folder']}: commands read the shipped graph ({info['triples']} triples); "
                "`atmp-kg update` creates one")
    lines = [
        f"workspace {info['folder']}",
        f"store: {info['triples']} triples ({info['derived']} derived), last updated {info['updated']}",
        f"shipped EMA snapshots: {len(info['shipped_snapshots'])} "
        f"({', '.join(s['date'] for s in info['shipped_snapshots'])}), ATMPs only",
    ]
    if info["snapshots"]:
        lines.append(f"added snapshots: {len(info['snapshots'])}")
        for s in info["snapshots"]:
            scope = "every medicine" if s["all_medicines"] else "ATMPs"
            lines.append(f"  {s['generated_on']}  {s['kind']:<11}  {s['file']}  {s['products']} products ({scope}), "
                         f"sha256 {s['sha256'][:12]}…, added {s['added']}")
    else:
        lines.append("added snapshots: none")
    return "\n".join(lines)
