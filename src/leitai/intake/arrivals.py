"""When each input file arrived: the earliest of the time a leitai command first saw it and its
modification time (a file copied in keeps the time it was saved, which may be earlier).

First-seen times are kept in ``arrivals.json`` beside the ledger, keyed by the file's sha256
(the same content under another name is the same arrival). The file is a convenience: if it
cannot be read it is started afresh, and if it cannot be written the times of this command are
still returned.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import OutputError
from ..fileio import atomic_write_text

ARRIVALS_FILE = "arrivals.json"


def arrivals_path(ledger_path: Path) -> Path:
    return Path(ledger_path).with_name(ARRIVALS_FILE)


def _read(path: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data.get("files", {}) if isinstance(data, dict) else {}
        return {str(k): v for k, v in files.items() if isinstance(v, dict) and isinstance(v.get("first_seen"), str)}
    except (OSError, ValueError, AttributeError):
        return {}


def _parse(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        return None


def record_arrivals(path: Path, folder: Path, files: Iterable[Any], now: dt.datetime) -> dict[str, dt.datetime]:
    """File name -> arrival time (local, to the second) for ``files`` (intake FileRecords) of
    ``folder``; records ``now`` as the first-seen time of files not seen before."""
    known = _read(path)
    changed = False
    out: dict[str, dt.datetime] = {}
    now = now.replace(microsecond=0, tzinfo=None)
    for record in files:
        if not getattr(record, "sha256", "") or record.status == "skipped":
            continue  # a lock file or a copy still being written has not arrived
        entry = known.get(record.sha256)
        seen = _parse(entry["first_seen"]) if entry else None
        if seen is None:
            seen = now
            known[record.sha256] = {"first_seen": now.isoformat(), "file": record.file}
            changed = True
        try:
            mtime = dt.datetime.fromtimestamp((Path(folder) / record.file).stat().st_mtime).replace(microsecond=0)
        except (OSError, ValueError, OverflowError):
            mtime = seen
        out[record.file] = min(seen, mtime)
    if changed:
        try:
            atomic_write_text(path, json.dumps({"files": dict(sorted(known.items()))}, ensure_ascii=False,
                                               indent=1) + "\n")
        except OutputError:
            pass  # the times of this command are still right; the next command tries again
    return out


def unit_timeliness(campaign: Any, period: int, intake: Any,
                    arrived: dict[str, dt.datetime]) -> tuple[dict[str, str], dict[str, dt.datetime]]:
    """Each plan unit's on_time / late / missing for ``period``, and the arrival of its sheet."""
    from ..scoring.lookahead import submit_deadline, timeliness, unit_arrivals

    superseded = {p.file for p in intake.problems if p.code == "duplicate_submission"}
    units = unit_arrivals(intake.files, arrived, superseded)
    schedule = campaign.settings.schedule
    status = timeliness(campaign.plan.units["unit"], intake.submitted_units, units,
                        submit_deadline(schedule, period, campaign.settings.supervision))
    return status, units
