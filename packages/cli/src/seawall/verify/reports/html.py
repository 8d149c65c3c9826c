"""One self-contained HTML page (no external assets): each scenario, its mitigation and files,
each check with its status colour, timing and the evidence behind the result."""

from __future__ import annotations

import html
import json
from typing import Any

COLOURS = {
    "pass": "#1a7f37",
    "fail": "#cf222e",
    "error": "#a40e26",
    "warn": "#9a6700",
    "skip": "#6e7781",
}
STYLE = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:0;
  background:#f6f8fa;color:#1f2328}
header{padding:20px 32px;color:#fff}
header h1{margin:0 0 4px;font-size:22px}
main{padding:16px 32px 40px;max-width:1200px}
.counts{padding:10px 16px}
.counts span{display:inline-block;margin-right:14px;font-weight:600}
section,.counts{background:#fff;border:1px solid #d0d7de;border-radius:8px;
  margin:14px 0;overflow:hidden}
section>h2{margin:0;padding:10px 16px;font-size:16px;border-left:6px solid;background:#f6f8fa}
.mitigation{padding:6px 16px;color:#57606a}
.files{display:flex;flex-wrap:wrap;gap:4px 6px}
.files code{background:#eff1f3;border-radius:4px;padding:1px 5px;font-size:12px;
  word-break:break-all}
.overview{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:6px;
  margin:14px 0}
.overview a{display:block;background:#fff;border:1px solid #d0d7de;border-left:6px solid;
  border-radius:6px;padding:6px 10px;color:#1f2328;text-decoration:none;font-size:13px}
.overview small{display:block;color:#57606a}
table{border-collapse:collapse;width:100%}
td{border-top:1px solid #d8dee4;padding:8px 16px;vertical-align:top}
td.status{width:64px}
.badge{display:inline-block;min-width:48px;text-align:center;color:#fff;border-radius:12px;
  padding:1px 8px;font-size:12px;font-weight:700;text-transform:uppercase}
td.time{width:70px;text-align:right;color:#57606a;font-variant-numeric:tabular-nums}
.id{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-weight:600}
.drill{font-size:11px;color:#8250df;margin-left:6px}
details{margin-top:4px}
summary{cursor:pointer;color:#0969da}
pre{background:#f6f8fa;border-radius:6px;padding:8px;white-space:pre-wrap;word-break:break-all;font-size:12px;max-height:320px;overflow:auto}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:6px 0;font-size:13px}
dt{color:#57606a}dd{margin:0;font-family:ui-monospace,Menlo,monospace;word-break:break-all}
"""
# Evidence worth showing without a click: what a person asks first ("which request? which line?").
HIGHLIGHTS = (
    "request id",
    "log line",
    "S3 key",
    "log group",
    "waited s",
    "status",
    "Errors metric (sum)",
    "Retries metric (sum, EMF)",
    "latest Init Duration ms",
    "seconds",
)


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _worst(checks: list[dict[str, Any]]) -> str:
    for status in ("error", "fail", "warn", "pass", "skip"):
        if any(c["status"] == status for c in checks):
            return status
    return "skip"


def _check_row(check: dict[str, Any]) -> str:
    evidence = check["evidence"]
    shown = "".join(
        f"<dt>{_e(k)}</dt><dd>{_e(evidence[k])}</dd>" for k in HIGHLIGHTS if k in evidence
    )
    details = (
        "<details><summary>evidence</summary>"
        f"<pre>{_e(json.dumps(evidence, indent=2))}</pre></details>"
        if evidence
        else ""
    )
    drill = '<span class="drill">drill</span>' if check["drill"] else ""
    return (
        f'<tr><td class="status"><span class="badge" style="background:{COLOURS[check["status"]]}">'
        f"{_e(check['status'])}</span></td>"
        f'<td><span class="id">{_e(check["id"])}</span>{drill} {_e(check["title"])}'
        f"<div>{_e(check['summary'])}</div>"
        f"{f'<dl>{shown}</dl>' if shown else ''}{details}</td>"
        f'<td class="time">{check["duration_s"]:.1f} s</td></tr>'
    )


def to_html(document: dict[str, Any]) -> str:
    target = document["target"]
    verdict = "passed" if document["passed"] else "failed"
    colour = COLOURS["pass" if document["passed"] else "fail"]
    counts = "".join(
        f'<span style="color:{COLOURS[s]}">{n} {s}</span>'
        for s, n in document["summary"].items()
        if n
    )
    sections, overview = [], []
    for scenario in document["scenarios"]:
        worst = _worst(scenario["checks"])
        tally = ", ".join(
            f"{sum(c['status'] == st for c in scenario['checks'])} {st}"
            for st in COLOURS
            if any(c["status"] == st for c in scenario["checks"])
        )
        overview.append(
            f'<a href="#{_e(scenario["id"])}" style="border-left-color:{COLOURS[worst]}">'
            f"{_e(scenario['title'])}<small>{_e(scenario['section'])}: {tally}</small></a>"
        )
        files = "".join(f"<code>{_e(f)}</code>" for f in scenario["files"])
        rows = "".join(_check_row(c) for c in scenario["checks"])
        sections.append(
            f'<section id="{_e(scenario["id"])}"><h2 style="border-color:{COLOURS[worst]}">'
            f"{_e(scenario['section'])}: {_e(scenario['title'])}</h2>"
            f'<div class="mitigation">{_e(scenario["mitigation"])}</div>'
            f'<div class="mitigation files">{files}</div><table>{rows}</table></section>'
        )
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>seawall verify: {verdict} ({_e(target.get('name'))})</title>"
        f"<style>{STYLE}</style></head><body>"
        f'<header style="background:{colour}"><h1>seawall verify {verdict}</h1>'
        f"<div>{_e(target.get('name'))} ({_e(target.get('environment'))}), "
        f"{_e(target.get('api_url'))}; "
        f"started {_e(document['started_at'])}, {document['duration_s']:.1f} s</div></header>"
        f'<main><section class="counts">{counts}</section>'
        f'<nav class="overview">{"".join(overview)}</nav>'
        f"{''.join(sections)}</main></body></html>\n"
    )
