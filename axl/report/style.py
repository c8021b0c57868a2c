"""The report's inline stylesheet and its one optional script."""

from __future__ import annotations

# Status colours: (text/stroke, fill). One table for the DAG, the timeline and the badges.
_STATUS_COLOURS = {
    "succeeded": ("#1b6e2a", "#dff3e3"),
    "cached": ("#1559a8", "#deebfa"),
    "skipped": ("#6b6b6b", "#efefef"),
    "pending": ("#6b6b6b", "#f7f7f7"),
    "running": ("#8a6100", "#fdf1cf"),
    "stale": ("#6a2c91", "#efe3f7"),
    "not_run": ("#8a8a8a", "#fafafa"),
    "cancelled": ("#a34d00", "#fde7d4"),
    "failed": ("#b3121f", "#fde0e2"),
    "other": ("#444444", "#eeeeee"),
}


def _status_rules() -> str:
    rules = []
    for status, (ink, fill) in _STATUS_COLOURS.items():
        rules.append(
            f".st-{status} rect{{fill:{fill};stroke:{ink}}}"
            f".st-{status} .detail,.st-{status} .note,.st-{status} .tries{{fill:{ink}}}"
            f".st-{status} .bar{{fill:{ink}}}"
            f".badge.st-{status},.count.st-{status}{{color:{ink};background:{fill};"
            f"border-color:{ink}}}"
        )
    return "".join(rules)


CSS = (
    ":root{color-scheme:light;font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;"
    "color:#1d1d1f;background:#fff}"
    "body{margin:0 auto;max-width:1280px;padding:16px 24px}"
    "h1{font-size:22px;margin:4px 0 8px}h2{font-size:17px;margin:22px 0 8px;"
    "border-bottom:1px solid #ddd;padding-bottom:4px}h3{font-size:15px;margin:0 0 6px}"
    "code,pre{font:12px/1.4 ui-monospace,'DejaVu Sans Mono',Menlo,monospace}"
    ".facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0}"
    ".facts dt{color:#666}.facts dd{margin:0;overflow-wrap:anywhere}"
    ".badge,.count{display:inline-block;border:1px solid;border-radius:10px;padding:0 8px;"
    "font-size:12px;margin-right:4px;white-space:nowrap}"
    ".scroll{overflow:auto;max-height:80vh;border:1px solid #eee;border-radius:6px}"
    "svg text{font:12px system-ui,sans-serif;fill:#1d1d1f}"
    ".dag .name{font-weight:600}.dag .detail{font-size:10.5px}"
    ".dag .tries{font-size:10.5px;font-weight:700;text-anchor:end}"
    ".dag rect{stroke-width:1.5}.dag a:focus rect,.dag .hl rect{stroke-width:3}"
    ".st-skipped rect,.st-not_run rect,.st-pending rect{stroke-dasharray:4 3}"
    ".edge{fill:none;stroke:#9a9a9a;stroke-width:1.3}.arrowhead{fill:#9a9a9a}"
    ".edge.hl{stroke:#333;stroke-width:2.2}"
    ".timeline .label{text-anchor:end}.timeline .note{font-size:11px}"
    ".timeline .axis{font-size:10.5px;fill:#777;text-anchor:middle}"
    ".tick{stroke:#eee}.timeline .hl .label{font-weight:700}"
    "table.steps{border-collapse:collapse;width:100%}"
    ".steps th,.steps td{border-bottom:1px solid #eee;padding:4px 8px;text-align:left;"
    "vertical-align:top}.steps th{color:#666;font-weight:500}"
    ".steps .num{text-align:right;white-space:nowrap}.steps .name{font-weight:600}"
    ".steps tr:target,.steps tr.hl{background:#fff8d6}"
    ".outputs{list-style:none;margin:0;padding:0}.outputs li{white-space:nowrap}"
    ".handler{color:#666;font-size:12px}"
    ".failure{border:1px solid #e8b4b8;border-left:5px solid #b3121f;border-radius:6px;"
    "padding:10px 14px;margin:10px 0;background:#fffafa}"
    ".failure .message{font-weight:600;overflow-wrap:anywhere}.hint,.logpath,.none{color:#555}"
    ".log{background:#1e1e1e;color:#e8e8e8;padding:10px;border-radius:4px;overflow:auto;"
    "max-height:420px;white-space:pre-wrap;overflow-wrap:anywhere}.log .event{color:#9a9a9a}"
    "footer{margin-top:24px;color:#888;font-size:12px}" + _status_rules()
)

# Hovering a step anywhere highlights it everywhere (the DAG box, its edges, its timeline
# row, its table row). Values are compared, never put into a selector.
SCRIPT = (
    "(function(){document.documentElement.classList.add('js');"
    "var all=document.querySelectorAll('[data-step],[data-from]');"
    "function mark(name,on){for(var i=0;i<all.length;i++){var e=all[i],d=e.dataset;"
    "if(d.step===name||d.from===name||d.to===name){e.classList.toggle('hl',on);}}}"
    "document.querySelectorAll('[data-step]').forEach(function(e){"
    "e.addEventListener('mouseenter',function(){mark(e.dataset.step,true);});"
    "e.addEventListener('mouseleave',function(){mark(e.dataset.step,false);});});})();"
)
