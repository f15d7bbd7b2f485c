/** The dashboard's stylesheet, inlined into the page. State colours match the legend and the tests. */
export const styles = `
:root {
  --bg: #f6f7fb; --panel: #ffffff; --ink: #1b1f2a; --muted: #667085; --line: #e3e6ee;
  --connecting: #f2c94c; --idle: #27ae60; --leased: #2f80ed; --validating: #9b51e0;
  --resetting: #2bb5c9; --retiring: #f2994a; --closed: #bdbdbd; --failed: #eb5757;
  --closed-breaker: #27ae60; --halfOpen: #f2c94c; --open: #eb5757;
}
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--ink); }
header { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; padding: 12px 18px; background: #1b1f2a; color: #fff; }
header h1 { font-size: 16px; margin: 0 8px 0 0; font-weight: 650; }
.pill { padding: 2px 9px; border-radius: 999px; background: #394056; font-size: 12px; }
.pill.good { background: #1f7a3c; } .pill.bad { background: #b3261e; } .pill.warn { background: #a35d00; }
header .muted { color: #aab1c4; }
/* minmax(0, ...): a grid track grows to its widest unbreakable content (a log line that does not wrap)
   unless told it may shrink; without it the page outgrew the window under errors. */
main { padding: 14px 18px; display: grid; grid-template-columns: minmax(0, 1fr); gap: 14px; }
section, .panel { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; }
h2 { font-size: 13px; margin: 0 0 8px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.stats { display: grid; grid-template-columns: repeat(auto-fill, minmax(118px, 1fr)); gap: 8px; }
.stat { border: 1px solid var(--line); border-radius: 8px; padding: 6px 10px; }
.stat .v { display: block; font-size: 20px; font-weight: 650; font-variant-numeric: tabular-nums; }
.stat .k { color: var(--muted); font-size: 11px; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 10px; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: 6px 8px; }
figcaption { color: var(--muted); font-size: 11px; display: flex; justify-content: space-between; }
figcaption b { color: var(--ink); font-variant-numeric: tabular-nums; }
figure svg { width: 100%; height: 70px; display: block; }
.legend { display: flex; flex-wrap: wrap; gap: 10px; margin-bottom: 8px; color: var(--muted); font-size: 11px; }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; vertical-align: -1px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(74px, 1fr)); gap: 6px; }
.conn { border-radius: 6px; padding: 5px 6px; color: #fff; font-size: 11px; line-height: 1.25; transition: background-color .15s; min-height: 40px; }
.conn .cid { display: block; font-weight: 650; font-family: ui-monospace, Menlo, Consolas, monospace; }
.conn[data-state="connecting"] { background: var(--connecting); color: #3d3000; }
.conn[data-state="idle"] { background: var(--idle); }
.conn[data-state="leased"] { background: var(--leased); }
.conn[data-state="validating"] { background: var(--validating); }
.conn[data-state="resetting"] { background: var(--resetting); }
.conn[data-state="retiring"] { background: var(--retiring); }
.conn[data-state="closed"] { background: var(--closed); opacity: .6; }
.conn[data-state="failed"] { background: var(--failed); opacity: .8; }
.two { display: grid; grid-template-columns: minmax(240px, 1fr) minmax(0, 2fr); gap: 14px; background: none; border: 0; padding: 0; }
.two > * { min-width: 0; }
@media (max-width: 720px) { .two { grid-template-columns: minmax(0, 1fr); } }
.breaker { display: flex; justify-content: space-between; gap: 8px; border-left: 6px solid var(--closed-breaker); padding: 6px 10px; margin-bottom: 6px; background: #fafbfd; border-radius: 6px; }
.breaker[data-state="open"] { border-color: var(--open); } .breaker[data-state="halfOpen"] { border-color: var(--halfOpen); }
.breaker .st { font-weight: 650; }
.log { list-style: none; margin: 0; padding: 0; max-height: 220px; overflow: auto; font: 11px/1.45 ui-monospace, Menlo, Consolas, monospace; }
.log li { padding: 1px 0; border-bottom: 1px dotted var(--line); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.log .ts { color: var(--muted); margin-right: 6px; } .log .ty { color: #2b3a67; margin-right: 6px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; margin-bottom: 8px; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid var(--line); }
th { color: var(--muted); font-weight: 500; font-size: 11px; }
.muted { color: var(--muted); }
footer { color: var(--muted); font-size: 11px; padding: 0 18px 14px; }
`;
