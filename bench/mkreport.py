#!/usr/bin/env python3
"""bench/mkreport.py - turn the samples bench/run.sh collected into
bench/report.json (everything, for machines), bench/report.md (the table),
bench/report.svg (the ratios as bars) and bench/curves.svg (the cost
curves as lines). Standard library only.

Usage: mkreport.py RESULTS.tsv PREFIX [--ipctool BIN] [--quick 0|1]
       [--seconds N]

A ratio is always "how many times better ipctool does than X": the value
ratio for higher-is-better units, its inverse for lower-is-better ones,
so 1.0 is a tie and more is a win.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
from html import escape


def load(path):
    """The scenarios, in order, from the tab-separated records."""
    scenarios, by_name = [], {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            rec = line.rstrip("\n").split("\t")
            if len(rec) < 3 or rec[0] not in "SVFKNEC":
                continue  # not a record: never stop the report for it
            kind, name = rec[0], rec[1]
            if kind == "S":
                rec += [""] * (9 - len(rec))
                sc = {
                    "name": name, "group": rec[2], "unit": rec[3],
                    "better": rec[4], "title": rec[5], "target": rec[6],
                    "goal_peer": float(rec[7]) if rec[7] else None,
                    "goal_ref": float(rec[8]) if rec[8] else None,
                    "skipped": None, "notes": [], "failures": [],
                    "contenders": {}, "error": None, "curve": None,
                }
                scenarios.append(sc)
                by_name[name] = sc
                continue
            sc = by_name.get(name)
            if sc is None:
                sc = {"name": name, "group": "?", "unit": "", "better":
                      "higher", "title": name, "target": "", "goal_peer":
                      None, "goal_ref": None, "skipped": None, "notes": [],
                      "failures": [], "contenders": {}, "error": None,
                      "curve": None}
                scenarios.append(sc)
                by_name[name] = sc
            if kind == "V":
                role, label, value = rec[2], rec[3], float(rec[5])
                c = sc["contenders"].setdefault(
                    label, {"label": label, "role": role, "samples": [],
                            "rounds": {}})
                c["samples"].append(value)
                c["rounds"][rec[4]] = value
            elif kind == "F":
                sc["failures"].append({"label": rec[2], "reason": rec[3]})
            elif kind == "K":
                sc["skipped"] = rec[2]
            elif kind == "N":
                sc["notes"].append(rec[2])
            elif kind == "E":
                sc["error"] = rec[2]
            elif kind == "C" and len(rec) >= 6:
                try:
                    x = float(rec[4])
                except ValueError:
                    continue
                sc["curve"] = {"name": rec[2], "xname": rec[3], "x": x,
                               "title": rec[5]}
    return scenarios


def ratio(sc, ipc, other):
    """ipctool's advantage over other (above 1: ipctool better)."""
    if not ipc or not other:
        return None
    return ipc / other if sc["better"] == "higher" else other / ipc


def summarise(sc):
    """Add medians, the best peer and reference, ratios and verdicts."""
    failed = {f["label"] for f in sc["failures"]}
    higher = sc["better"] == "higher"
    for c in sc["contenders"].values():
        c["median"] = statistics.median(c["samples"])
        c["min"], c["max"] = min(c["samples"]), max(c["samples"])
        c["failed"] = c["label"] in failed
    def best(role):
        cs = [c for c in sc["contenders"].values()
              if c["role"] == role and not c["failed"]]
        if not cs:
            return None
        return (max if higher else min)(cs, key=lambda c: c["median"])
    ipc = best("ipctool")
    peer, ref = best("peer"), best("ref")
    sc["ipctool"] = ipc["label"] if ipc else None
    sc["best_peer"] = peer["label"] if peer else None
    sc["best_ref"] = ref["label"] if ref else None
    sc["ratio_peer"] = ratio(sc, ipc and ipc["median"],
                             peer and peer["median"])
    sc["ratio_ref"] = ratio(sc, ipc and ipc["median"], ref and ref["median"])
    # the spread: ipctool's ratio to the best peer round by round (the
    # two ran in the same round, minutes apart at most); a range that
    # holds 1.00× is a tie, one wholly below it a loss
    sc["round_ratios"] = []
    if ipc and peer:
        for r, v in ipc["rounds"].items():
            if r in peer["rounds"]:
                rr = ratio(sc, v, peer["rounds"][r])
                if rr is not None:
                    sc["round_ratios"].append(rr)
    for c in sc["contenders"].values():
        c["spread"] = ((c["max"] - c["min"]) / c["median"]
                       if c["median"] else None)
    verdicts = []
    for key, goal in (("ratio_peer", sc["goal_peer"]),
                      ("ratio_ref", sc["goal_ref"])):
        if goal is not None and sc[key] is not None:
            verdicts.append(sc[key] >= goal)
    if sc["error"]:
        sc["status"] = "failed"
    elif sc["skipped"]:
        sc["status"] = "skipped"
    elif ipc is None:
        sc["status"] = "failed"
    elif not verdicts:
        sc["status"] = "measured"
    else:
        sc["status"] = "met" if all(verdicts) else "not met"
    # the chart's yardstick: the best peer, or the best reference if none
    base = peer or ref
    sc["chart_base"] = base["label"] if base else None
    for c in sc["contenders"].values():
        c["vs_best_peer"] = ratio(sc, c["median"], peer and peer["median"])
        c["vs_base"] = ratio(sc, c["median"], base and base["median"])
    return sc


def fmt(v, unit=""):
    """A figure with three significant digits, or a dash."""
    if v is None:
        return "—"
    if v >= 1000:
        s = f"{v:,.0f}"
    elif v >= 100:
        s = f"{v:.0f}"
    elif v >= 10:
        s = f"{v:.1f}"
    else:
        s = f"{v:.2f}"
    return s + (f" {unit}" if unit else "")


def fmt_range(sc):
    """The lowest and highest of ipctool's round-by-round ratios to the
    best peer, or a dash."""
    rr = sc.get("round_ratios") or []
    if len(rr) < 2:
        return "—"
    return f"{min(rr):.2f}–{max(rr):.2f}×"


def fmt_ratio(v):
    return "—" if v is None else f"{v:.2f}×"


def host_info(ipctool):
    """Where and with what the figures were taken."""
    info = {
        "kernel": platform.release(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
    }
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    if ipctool:
        try:
            out = subprocess.run([ipctool, "--version"], capture_output=True,
                                 text=True, timeout=10)
            info["ipctool"] = out.stdout.strip()
            out = subprocess.run([ipctool, "--list"], capture_output=True,
                                 text=True, timeout=10)
            info["applets"] = out.stdout.split()
        except (OSError, subprocess.SubprocessError):
            pass
    return info


def summary_line(doc):
    """How many targets were met, missed, skipped; which ones missed."""
    count = {}
    for sc in doc["scenarios"]:
        count.setdefault(sc["status"], []).append(sc["name"])
    parts = [f"**{len(count.get(k, []))} {k}**" for k in
             ("met", "not met", "failed", "skipped", "measured")
             if count.get(k)]
    line = "Targets: " + ", ".join(parts) + "."
    for k in ("not met", "failed"):
        if count.get(k):
            line += f" {k.capitalize()}: {', '.join(count[k])}."
    return line


def markdown(doc):
    """The report as Markdown: the table, then every scenario in full."""
    h = doc["host"]
    out = [
        "# ipctool benchmark report",
        "",
        f"{doc['generated']} · {'quick' if doc['quick'] else 'full'} run "
        f"in {doc['seconds']} s · {h.get('ipctool', 'ipctool ?')} · "
        f"applets: {', '.join(h.get('applets') or []) or 'none yet'} · "
        f"Linux {h['kernel']} · {h['cpus']} CPUs"
        + (f" ({h['cpu']})" if h.get("cpu") else ""),
        "",
        "Medians of alternating rounds. A ratio is how many times better "
        "ipctool does than the best peer or the best near-limit reference "
        "(above 1.00× ipctool wins, whichever way the unit points); "
        "round ratios: the lowest and highest ratio to the best peer "
        "within one round (a range that holds the target is a tie, not "
        "a loss). "
        "Charts: `report.svg` (ratios), `curves.svg` (cost curves).",
        "",
        summary_line(doc),
        "",
        "| scenario | unit | ipctool | peers | ratio | round ratios | "
        "reference | ratio to ref | target | verdict |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for sc in doc["scenarios"]:
        cs = sc["contenders"]
        ipc = cs.get(sc["ipctool"]) if sc["ipctool"] else None
        peers = " · ".join(
            f"{c['label']} {fmt(c['median'])}" + (" (failed)" if c["failed"]
                                                  else "")
            for c in cs.values() if c["role"] == "peer") or "—"
        refs = " · ".join(
            f"{c['label']} {fmt(c['median'])}"
            for c in cs.values() if c["role"] == "ref") or "—"
        verdict = sc["status"]
        if sc["status"] == "skipped":
            verdict = f"skipped: {sc['skipped']}"
        elif sc["error"]:
            verdict = f"failed: {sc['error']}"
        elif sc["status"] == "failed":
            why = [f for f in sc["failures"]
                   if cs.get(f["label"], {}).get("role", "ipctool")
                   == "ipctool"]
            verdict = "failed: " + (f"{why[0]['label']}: "
                                    f"{why[0]['reason'].strip()[:100]}"
                                    if why else "ipctool was not measured")
        verdict = verdict.replace("|", "\\|")
        out.append(
            f"| {sc['name']} | {sc['unit']} | "
            f"{fmt(ipc['median']) if ipc else '—'} | {peers} | "
            f"{fmt_ratio(sc['ratio_peer'])} | {fmt_range(sc)} | {refs} | "
            f"{fmt_ratio(sc['ratio_ref'])} | {sc['target'] or '—'} | "
            f"{verdict} |")
    out += [""] + curves_markdown(doc)
    out += ["## Scenarios", ""]
    for sc in doc["scenarios"]:
        out += [f"### {sc['name']}: {sc['title']}", ""]
        if sc["skipped"]:
            out += [f"ipctool skipped: {sc['skipped']}; the others ran.", ""]
        if sc["error"]:
            out += [f"**The scenario stopped:** {sc['error']}", ""]
        out += ["| contender | role | median | min | max | spread | "
                "vs best peer | samples |",
                "| --- | --- | --- | --- | --- | --- | --- | --- |"]
        for c in sc["contenders"].values():
            spread = ("—" if c["spread"] is None else
                      f"{c['spread'] * 100:.0f}%")
            out.append(
                f"| {c['label']} | {c['role']} | {fmt(c['median'], sc['unit'])}"
                f" | {fmt(c['min'])} | {fmt(c['max'])} | {spread} | "
                f"{fmt_ratio(c['vs_best_peer'])} | {len(c['samples'])} |")
        if len(sc["round_ratios"]) >= 2:
            out += ["", f"ipctool vs {sc['best_peer']}, round by round: "
                    + ", ".join(f"{r:.2f}×" for r in sc["round_ratios"])
                    + f" (median {fmt_ratio(sc['ratio_peer'])})."]
        out.append("")
        for f in sc["failures"]:
            out += [f"- **{f['label']} failed:** `{f['reason'].strip()}`"]
        for n in sc["notes"]:
            out += [f"- {n}"]
        if sc["failures"] or sc["notes"]:
            out.append("")
    return "\n".join(out) + "\n"


# A curve segment whose per-unit cost changes by less than this factor
# either way counts as flat: the total cost grows linearly there
FLAT = 1.3


def fmt_x(x):
    """A curve's x: 1,024 as 1 KiB and so on for byte sizes, else plain."""
    return f"{x:,.0f}"


def fmt_bytes(x):
    for unit, size in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if x >= size and x % size == 0:
            return f"{x / size:,.0f} {unit}"
    return f"{x:,.0f} B"


def shape(points, better, xname):
    """Where the cost of one contender grows linearly and where it bends,
    from its (x, median) points: the per-unit cost is the median for a
    lower-is-better unit and its inverse for a rate; flat per-unit cost
    is a total cost linear in x."""
    pts = [(x, v) for x, v in points if v]
    if len(pts) < 2:
        return "too few points to tell"
    show = fmt_bytes if "byte" in xname else fmt_x
    cost = [(x, v if better == "lower" else 1 / v) for x, v in pts]
    whole = cost[-1][1] / cost[0][1]
    span = f"{show(cost[0][0])} to {show(cost[-1][0])} {xname}"
    segs = [(a[0], b[0], b[1] / a[1]) for a, b in zip(cost, cost[1:])]
    bent = [(a, b, g) for a, b, g in segs if not 1 / FLAT <= g <= FLAT]
    if not bent:
        return (f"linear: the cost per unit stays within {FLAT:.1f}× from "
                f"{span} (×{whole:.2f} in all)")
    a, b, g = bent[0]
    how = ("grows faster than linear" if g > 1 else
           "grows slower than linear")
    if a == cost[0][0]:
        lead = f"not linear from the start ({show(a)})"
    else:
        lead = f"linear up to {show(a)}, bends there"
    return (f"{lead}: the cost per unit ×{g:.2f} from {show(a)} to "
            f"{show(b)} ({how}); ×{whole:.2f} from {span}")


def curves(doc):
    """The cost curves: their points in x order, every contender's median
    at each point, and the shape of each contender's curve."""
    by = {}
    for sc in doc["scenarios"]:
        cv = sc.get("curve")
        if not cv:
            continue
        c = by.setdefault(cv["name"], {
            "name": cv["name"], "title": cv["title"], "xname": cv["xname"],
            "unit": sc["unit"], "better": sc["better"], "points": [],
            "labels": [], "roles": {}})
        vals = {}
        for cont in sc["contenders"].values():
            if cont["failed"]:
                continue
            vals[cont["label"]] = cont["median"]
            if cont["label"] not in c["labels"]:
                c["labels"].append(cont["label"])
                c["roles"][cont["label"]] = cont["role"]
        c["points"].append({"x": cv["x"], "scenario": sc["name"],
                            "values": vals, "ratio": sc["ratio_peer"]})
    out = []
    for c in by.values():
        c["points"].sort(key=lambda p: p["x"])
        c["labels"].sort(key=lambda lb: ("ipctool", "peer", "ref")
                         .index(c["roles"][lb]))
        c["shape"] = {
            lb: shape([(p["x"], p["values"].get(lb)) for p in c["points"]
                       if p["values"].get(lb)], c["better"], c["xname"])
            for lb in c["labels"]}
        out.append(c)
    return out


def curves_markdown(doc):
    """A table per curve, a row per point, then how each curve grows."""
    if not doc["curves"]:
        return []
    out = ["## Cost curves", "",
           "Each point is a scenario of its own (medians, the peers run "
           "alongside); `curves.svg` draws them. The shape of each curve "
           "is computed from its points: where the cost per unit (per "
           "message, byte or client) stays within "
           f"{FLAT:.1f}× from one point to the next, the total cost grows "
           "linearly; the first step beyond that is where it bends.", ""]
    for c in doc["curves"]:
        show = fmt_bytes if "byte" in c["xname"] else fmt_x
        out += [f"### {c['name']}: {c['title']}", "",
                f"| {c['xname']} | " + " | ".join(
                    f"{lb} ({c['unit']})" for lb in c["labels"])
                + " | ipctool vs best peer |",
                "| --- | " + " | ".join("---" for _ in c["labels"])
                + " | --- |"]
        for p in c["points"]:
            out.append(f"| {show(p['x'])} | " + " | ".join(
                fmt(p["values"].get(lb)) for lb in c["labels"])
                + f" | {fmt_ratio(p['ratio'])} |")
        out.append("")
        for lb in c["labels"]:
            out.append(f"- {lb}: {c['shape'][lb]}.")
        out.append("")
    return out


ROLE_COLOUR = {"ipctool": "#d9480f", "peer": "#868e96", "ref": "#1c7ed6"}
DASHES = ["", "6 3", "2 3", "8 3 2 3"]


def curves_svg(doc):
    """Every cost curve as lines on a log x axis, one panel each, two
    panels a row; ipctool orange, the peers grey (dashed apart)."""
    import math
    cs = doc["curves"]
    pw, ph, gap, top = 440, 250, 30, 50
    cols = 2
    rows = max(1, (len(cs) + cols - 1) // cols)
    width = cols * pw + (cols + 1) * gap
    height = top + rows * (ph + gap) + 10
    o = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
         f'height="{height}" font-family="sans-serif" font-size="11">',
         f'<rect width="{width}" height="{height}" fill="white"/>',
         f'<text x="{gap}" y="24" font-size="16" font-weight="bold">'
         f'ipctool cost curves</text>',
         f'<text x="{gap}" y="40" fill="#495057">medians · x on a log '
         f'scale · {escape(doc["generated"])} · '
         f'{"quick" if doc["quick"] else "full"} run</text>']
    for k, c in enumerate(cs):
        ox = gap + (k % cols) * (pw + gap)
        oy = top + (k // cols) * (ph + gap)
        l, r, t, b = ox + 60, ox + pw - 10, oy + 46, oy + ph - 46
        o.append(f'<rect x="{ox}" y="{oy}" width="{pw}" height="{ph}" '
                 f'fill="none" stroke="#dee2e6"/>')
        o.append(f'<text x="{ox + 8}" y="{oy + 16}" font-weight="bold">'
                 f'{escape(c["name"])}</text>')
        o.append(f'<text x="{ox + 8}" y="{oy + 29}" fill="#495057">'
                 f'{escape(c["title"][:70])}</text>')
        xs = [p["x"] for p in c["points"] if p["x"] > 0]
        vals = [v for p in c["points"] for v in p["values"].values() if v]
        if len(xs) < 1 or not vals:
            continue
        lx0, lx1 = math.log10(min(xs)), math.log10(max(xs))
        if lx1 == lx0:
            lx1 = lx0 + 1
        vmax = max(vals) * 1.1
        px = lambda x: l + (math.log10(x) - lx0) / (lx1 - lx0) * (r - l)
        py = lambda v: b - v / vmax * (b - t)
        o.append(f'<line x1="{l}" y1="{b}" x2="{r}" y2="{b}" '
                 f'stroke="#212529"/>')
        o.append(f'<line x1="{l}" y1="{t}" x2="{l}" y2="{b}" '
                 f'stroke="#212529"/>')
        show = fmt_bytes if "byte" in c["xname"] else fmt_x
        for x in xs:
            o.append(f'<text x="{px(x):.1f}" y="{b + 13}" '
                     f'text-anchor="middle">{escape(show(x))}</text>')
        o.append(f'<text x="{(l + r) / 2:.1f}" y="{b + 26}" '
                 f'text-anchor="middle" fill="#495057">'
                 f'{escape(c["xname"])}</text>')
        for f in (0.5, 1.0):
            o.append(f'<text x="{l - 4}" y="{py(vmax * f / 1.1) + 4:.1f}" '
                     f'text-anchor="end">'
                     f'{escape(fmt(vmax * f / 1.1))}</text>')
        o.append(f'<text x="{l - 4}" y="{b + 4}" text-anchor="end">0</text>')
        o.append(f'<text x="{l}" y="{t - 5}" fill="#495057" '
                 f'text-anchor="middle">{escape(c["unit"])}</text>')
        npeer = 0
        for j, lb in enumerate(c["labels"]):
            role = c["roles"][lb]
            dash = ""
            if role == "peer":
                dash = DASHES[npeer % len(DASHES)]
                npeer += 1
            pts = [(px(p["x"]), py(p["values"][lb])) for p in c["points"]
                   if p["values"].get(lb) and p["x"] > 0]
            if not pts:
                continue
            col = ROLE_COLOUR[role]
            o.append(f'<polyline fill="none" stroke="{col}" '
                     f'stroke-width="{2.5 if role == "ipctool" else 1.8}"'
                     + (f' stroke-dasharray="{dash}"' if dash else "")
                     + ' points="' + " ".join(f"{x:.1f},{y:.1f}"
                                            for x, y in pts) + '"/>')
            for x, y in pts:
                o.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" '
                         f'fill="{col}"/>')
            ly = oy + ph - 8
            lx = ox + 8 + j * 140
            o.append(f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 18}" '
                     f'y2="{ly - 4}" stroke="{col}" stroke-width="2"'
                     + (f' stroke-dasharray="{dash}"' if dash else "")
                     + '/>')
            o.append(f'<text x="{lx + 22}" y="{ly}">'
                     f'{escape(lb[:20])}</text>')
    o.append("</svg>")
    return "\n".join(o) + "\n"


def svg(doc):
    """Bars: every contender of every scenario relative to its best peer,
    or to its best reference when it has no peer (1.0 = that one; longer
    is better), ipctool highlighted, its goal marked in green."""
    rows = []
    for sc in doc["scenarios"]:
        cs = [c for c in sc["contenders"].values()
              if c["vs_base"] is not None]
        if not cs and not sc["skipped"]:
            continue
        rows.append(("head", sc))
        if sc["skipped"]:
            rows.append(("skip", sc))
        elif sc["status"] == "failed":
            rows.append(("fail", sc))
        for c in sorted(cs, key=lambda c: ("ipctool", "peer", "ref")
                        .index(c["role"])):
            rows.append(("bar", sc, c))
    cap = 3.0
    left, bar_w, row_h, top = 230, 520, 18, 70
    width = left + bar_w + 130
    height = top + row_h * len(rows) + 40
    x = lambda v: left + min(v, cap) / cap * bar_w
    o = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
         f'height="{height}" font-family="sans-serif" font-size="12">',
         f'<rect width="{width}" height="{height}" fill="white"/>',
         f'<text x="10" y="22" font-size="16" font-weight="bold">'
         f'ipctool benchmark: each contender relative to the best peer'
         f'</text>',
         f'<text x="10" y="42" fill="#495057">longer is better · 1.0 = '
         f'the fastest peer · {escape(doc["generated"])} · '
         f'{"quick" if doc["quick"] else "full"} run · bars cut at '
         f'{cap:.0f}×</text>']
    for v in (0.5, 1.0, 1.5, 2.0, 2.5, 3.0):
        o.append(f'<line x1="{x(v):.1f}" y1="{top - 8}" x2="{x(v):.1f}" '
                 f'y2="{height - 30}" stroke="{"#212529" if v == 1 else "#dee2e6"}"'
                 f' stroke-width="{1.5 if v == 1 else 1}"/>')
        o.append(f'<text x="{x(v):.1f}" y="{height - 14}" '
                 f'text-anchor="middle" fill="#495057">{v:.1f}×</text>')
    y = top
    for row in rows:
        sc = row[1]
        if row[0] == "head":
            o.append(f'<text x="10" y="{y + 13}" font-weight="bold">'
                     f'{escape(sc["name"])}</text>')
            goals = []
            if sc["goal_peer"] is not None:
                goals.append(f'≥ {sc["goal_peer"]:.2f}× the best peer')
            if sc["goal_ref"] is not None:
                goals.append(f'≥ {sc["goal_ref"]:.2f}× the best reference')
            if sc["chart_base"] and sc["chart_base"] != sc["best_peer"]:
                goals.append(f'1.0 = {sc["chart_base"]} (no peer)')
            if goals:
                o.append(f'<text x="{left}" y="{y + 13}" fill="#2b8a3e">'
                         f'{escape("goal " + ", ".join(goals) if sc["goal_peer"] is not None else ", ".join(goals))}'
                         f'</text>')
        elif row[0] == "fail":
            why = sc["error"] or next(
                (f"{f['label']}: {f['reason'].strip()}" for f in sc["failures"]
                 if sc["contenders"].get(f["label"], {}).get("role",
                                                             "ipctool")
                 == "ipctool"), "ipctool was not measured")
            o.append(f'<text x="24" y="{y + 13}" fill="#c92a2a" '
                     f'font-style="italic">failed: '
                     f'{escape(why[:90])}</text>')
        elif row[0] == "skip":
            o.append(f'<text x="24" y="{y + 13}" fill="#d9480f" '
                     f'font-style="italic">ipctool skipped: '
                     f'{escape(sc["skipped"])}</text>')
        else:
            c = row[2]
            v = c["vs_base"]
            o.append(f'<text x="24" y="{y + 13}">{escape(c["label"])}'
                     f'</text>')
            o.append(f'<rect x="{left}" y="{y + 3}" width="'
                     f'{x(v) - left:.1f}" height="{row_h - 6}" '
                     f'fill="{ROLE_COLOUR[c["role"]]}"/>')
            o.append(f'<text x="{x(v) + 4:.1f}" y="{y + 13}" '
                     f'fill="#212529">{v:.2f}× ({escape(fmt(c["median"], sc["unit"]))})'
                     f'</text>')
            if sc["goal_peer"] is not None and c["role"] == "ipctool":
                gx = x(sc["goal_peer"])
                o.append(f'<line x1="{gx:.1f}" y1="{y + 1}" x2="{gx:.1f}" '
                         f'y2="{y + row_h - 1}" stroke="#2b8a3e" '
                         f'stroke-width="3"/>')
        y += row_h
    lx = left
    for role, colour in ROLE_COLOUR.items():
        name = {"ipctool": "ipctool", "peer": "peers",
                "ref": "near-limit references"}[role]
        o.append(f'<rect x="{lx}" y="52" width="10" height="10" '
                 f'fill="{colour}"/><text x="{lx + 14}" y="61">{name}</text>')
        lx += 60 + 7 * len(name)
    o.append("</svg>")
    return "\n".join(o) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("prefix")
    ap.add_argument("--ipctool")
    ap.add_argument("--quick", default="0")
    ap.add_argument("--seconds", type=int, default=0)
    a = ap.parse_args()
    doc = {
        "generated": datetime.datetime.now(datetime.timezone.utc)
        .strftime("%Y-%m-%d %H:%M UTC"),
        "quick": a.quick not in ("", "0"),
        "seconds": a.seconds,
        "host": host_info(a.ipctool),
        "scenarios": [summarise(sc) for sc in load(a.results)],
    }
    doc["curves"] = curves(doc)
    for sc in doc["scenarios"]:
        sc["contenders"] = list(sc["contenders"].values())
    with open(a.prefix + ".json", "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")
    for sc in doc["scenarios"]:
        sc["contenders"] = {c["label"]: c for c in sc["contenders"]}
    with open(a.prefix + ".md", "w", encoding="utf-8") as f:
        f.write(markdown(doc))
    with open(a.prefix + ".svg", "w", encoding="utf-8") as f:
        f.write(svg(doc))
    # bench/report → bench/curves.svg, beside it
    path = os.path.join(os.path.dirname(a.prefix) or ".", "curves.svg")
    with open(path, "w", encoding="utf-8") as f:
        f.write(curves_svg(doc))


if __name__ == "__main__":
    main()
