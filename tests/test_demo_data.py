"""The demo campaign in seeds/: re-made byte for byte by its script, shaped as SPEC §8 says,
and read by intake + states exactly as the script's truth model says it should be."""

from __future__ import annotations

import importlib.util
import random
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from leitai.campaign.plan import load_campaign

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SCRIPT = ROOT / "scripts" / "make_demo.py"


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_demo", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_demo"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_script_remakes_seeds_byte_for_byte(tmp_path: Path) -> None:
    out = tmp_path / "seeds"
    run = subprocess.run([sys.executable, str(SCRIPT), "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert "第5期" in run.stdout
    made, committed = files(out), files(SEEDS)
    assert sorted(made) == sorted(committed)
    assert [name for name in made if made[name] != committed[name]] == []


def test_seeds_are_small() -> None:
    assert sum(len(b) for b in files(SEEDS).values()) < 2 * 1024 * 1024


def test_plan_shape() -> None:
    plan = load_campaign(SEEDS).plan
    assert len(plan.projects) == 60
    assert plan.categories == ("主要经济指标", "全面高水平小康", "重点区块征迁", "项目推进", "专项工作", "重要民生实事", "要素保障")
    assert 25 <= len(plan.units) <= 35
    assert plan.groups == ("乡镇（街道）", "县级部门")
    assert 400 <= len(plan.nodes) <= 440
    assert plan.resolve_unit("县交通运输局") == "县交通局"
    named = plan.projects.set_index("name")
    assert named.loc["智能橡胶园", "investment"] == 520000 and named.loc["智能橡胶园", "unit"] == "县经信局"
    assert named.loc["城前公路改造提升", "unit"] == "县交通局"
    for name, unit in [("百花路东延西拓", "赤城街道"), ("玉湖四期征迁", "始丰街道"), ("众联科创产业中心", "福溪街道"),
                       ("水南区块征迁", "福溪街道"), ("天瑞路综合供能服务项目征迁", "赤城街道")]:
        assert named.loc[name, "unit"] == unit
    assert set(plan.projects["unit"]) == set(plan.units["unit"])  # every unit leads something
    assert plan.nodes["due"].min().date().isoformat() >= "2020-09-05"
    assert plan.nodes["due"].max().date().isoformat() <= "2020-12-07"


def test_settings() -> None:
    settings = load_campaign(SEEDS).settings
    assert settings.campaign.name == "天台县“通堵点、破难点”百日攻坚行动"
    assert [c.isoformat() for c in settings.schedule.cutoffs[:5]] == [
        "2020-09-14", "2020-09-28", "2020-10-12", "2020-10-26", "2020-11-09"]
    assert settings.schedule.evaluations == {3, 5, 7}
    assert settings.rules.yellow_cards == 4 and settings.rules.lights == "two"


def test_reader_finds_the_truth() -> None:
    """Every period read and merged gives the node states the truth model says, mistakes forgiven."""
    intake = pytest.importorskip("leitai.intake.folder")
    states_module = pytest.importorskip("leitai.scoring.states")
    demo = load_script()
    campaign = load_campaign(SEEDS)
    nodes, _ = demo.truth_model(random.Random(demo.SEED))
    truth = demo.truth_scores(nodes)
    previous = None
    for period, expected in zip(demo.PERIODS, truth):
        read = intake.read_inputs(SEEDS / "inputs" / f"第{period:02d}期", campaign, period)
        states, _ = states_module.resolve_states(
            campaign.plan.nodes, previous, read.reports, read.overrides, demo.CUTOFFS[period - 1], period)
        previous = states
        got = {(r.project_id, int(r.seq)): (r.done_date.date() if r.done else None) for r in states.itertuples()}
        assert got == expected.states, f"第{period}期"
        silent = {demo.SILENT[0]} if period == demo.SILENT[1] else set()
        assert read.submitted_units == set(campaign.plan.units["unit"]) - silent


def test_red_lights_are_concentrated_in_a_few_hard_projects() -> None:
    """Most projects green; the overdue nodes of period 5 sit in 10–16 red projects, mostly two or more
    each, and a handful (4–8) have been red three times or more (重点督办)."""
    demo = load_script()
    nodes, _ = demo.truth_model(random.Random(demo.SEED))
    truth = demo.truth_scores(nodes)
    reds = [sum(light == "red" for light in scores.lights.values()) for scores in truth]
    assert 8 <= reds[0] <= 14 and 10 <= reds[-1] <= 16 and max(reds) <= 18
    counts = {pid: sum(scores.lights[pid] == "red" for scores in truth) for pid in truth[-1].lights}
    escalated = [pid for pid, count in counts.items() if count >= 3]
    assert 4 <= len(escalated) <= 8
    assert sum(truth[-1].lights[pid] == "red" for pid in escalated) >= 4
    final, cutoff = truth[-1], demo.CUTOFFS[-1]
    overdue = [sum(n.project.id == pid and n.due <= cutoff and final.states[n.key] is None for n in nodes)
               for pid, light in final.lights.items() if light == "red"]
    assert sum(overdue) == sum(final.due.values()) - sum(final.done.values())
    assert sum(n >= 2 for n in overdue) >= 0.75 * len(overdue)
