// `class grade --html FILE`: a class's grade as one self-contained page for the instructor —
// the grid (students × checks), each check's pass rate as an inline SVG chart, and each
// student's failed checks with what was seen and the diagnosis. Pure: no I/O. The page loads
// nothing (its Content-Security-Policy forbids it): inline CSS and SVG, no script. Every value
// from a grade (names, details, diagnoses: untrusted) is escaped.
import {
  byName,
  type ColumnTally,
  checkColumns,
  classTotals,
  columnTallies,
  firstFailing,
  type Outcome,
  outcomeOf,
  percent,
  resultsByName,
} from '../core/class-grid.js';
import type { CheckResult } from '../core/events.js';
import { oneLine } from '../core/text.js';
import { type ClassGrade, classTitle, type StudentGrade } from './class-grade.js';

/** Text and attribute values: the five characters HTML gives meaning to, escaped. */
export function htmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const e = htmlEscape;

const MARK: Record<Outcome, string> = { pass: '✓', fail: '✗', blocked: '⊘', warning: '!' };
const WORD: Record<Outcome, string> = { pass: 'passed', fail: 'failed', blocked: 'blocked', warning: 'warning' };
/** Above this many checks the grid's headers are numbers only; the names are listed under it. */
const NAMED_HEADERS_UP_TO = 12;
/** The grid's fixed columns (px) and the narrowest a check's column gets before the grid scrolls. */
const WHO_PX = 220;
const SCORE_PX = 84;
const CELL_MIN_PX = 40;

/** `2026-11-27 14:40 UTC` from the grade's ISO time (as given when it is not one). */
function when(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function cellTitle(name: string, r: CheckResult | undefined): string {
  if (!r) return `${name}: not in this student's results`;
  const o = outcomeOf(r);
  if (o === 'pass') return `${name}: passed`;
  if (o === 'blocked') return `${name}: blocked by "${r.blockedBy}"`;
  return `${name}: ${WORD[o]}: ${oneLine(r.detail, 300)}`;
}

function gridRow(s: StudentGrade, id: string, columns: readonly string[]): string {
  const who = `<th scope="row"><a href="#${id}">${e(s.student)}</a><small>${e(s.context)} · ${e(s.lab)}</small></th>`;
  if (s.error !== undefined) {
    return `<tr class="errored">${who}<td class="score">–</td><td class="error" colspan="${columns.length}">not graded: ${e(oneLine(s.error, 300))}</td></tr>`;
  }
  const results = resultsByName(s.checks);
  const cells = columns.map((name) => {
    const r = results.get(name);
    const o = r ? outcomeOf(r) : undefined;
    return `<td class="cell ${o ?? 'missing'}" title="${e(cellTitle(name, r))}">${o ? MARK[o] : '–'}</td>`;
  });
  const full = s.maxScore > 0 && s.score >= s.maxScore;
  const fill = s.maxScore > 0 ? Math.round((100 * s.score) / s.maxScore) : 0;
  const score = `<td class="score${full ? ' full' : ''}">${s.score}/${s.maxScore}<span class="meter"><span style="width:${fill}%"></span></span></td>`;
  return `<tr>${who}${score}${cells.join('')}</tr>`;
}

function grid(students: readonly StudentGrade[], ids: readonly string[], columns: readonly string[]): string {
  const named = columns.length <= NAMED_HEADERS_UP_TO;
  const heads = columns.map((name, i) => `<th class="check" scope="col" title="${e(name)}"><span class="n">${i + 1}</span>${named ? e(name) : ''}</th>`);
  const legendNames = named ? '' : `<ol class="names">${columns.map((n) => `<li>${e(n)}</li>`).join('')}</ol>`;
  return `<section id="grid">
<h2>Students × checks</h2>
<div class="scroll"><table class="grid" style="min-width:${WHO_PX + SCORE_PX + columns.length * CELL_MIN_PX}px">
<colgroup><col style="width:${WHO_PX}px"><col style="width:${SCORE_PX}px">${'<col>'.repeat(columns.length)}</colgroup>
<thead><tr><th scope="col" class="who">Student</th><th scope="col">Score</th>${heads.join('')}</tr></thead>
<tbody>
${students.map((s, i) => gridRow(s, ids[i]!, columns)).join('\n')}
</tbody>
</table></div>
<p class="legend">${(['pass', 'fail', 'blocked', 'warning'] as const).map((o) => `<span class="cell ${o}">${MARK[o]}</span> ${WORD[o]}`).join(' ')} <span class="cell missing">–</span> not in the results</p>
${legendNames}
</section>`;
}

const CHART = { width: 960, row: 30, label: 330, bar: 440, top: 4 };
const FILL: Record<Outcome, string> = { pass: '#2da44e', warning: '#d4a72c', fail: '#cf222e', blocked: '#8c959f' };

/** One row per check: its number and name, a bar split by outcome, and `passed/graded (rate)` as text. */
function passRates(tallies: readonly ColumnTally[]): string {
  const height = CHART.top * 2 + tallies.length * CHART.row;
  const rows = tallies.map((t, i) => {
    const y = CHART.top + i * CHART.row;
    const mid = y + CHART.row / 2;
    let x = CHART.label;
    const segs: string[] = [];
    for (const o of ['pass', 'warning', 'fail', 'blocked'] as const) {
      if (t.graded === 0 || t[o] === 0) continue;
      const w = (CHART.bar * t[o]) / t.graded;
      segs.push(
        `<rect x="${x.toFixed(1)}" y="${y + 7}" width="${w.toFixed(1)}" height="${CHART.row - 14}" fill="${FILL[o]}"><title>${t[o]} ${WORD[o]}</title></rect>`,
      );
      x += w;
    }
    const label = oneLine(`${i + 1}  ${t.name}`, 44);
    const rate = `${t.pass}/${t.graded} passed · ${percent(t.pass, t.graded)}`;
    return `<g class="rate"><title>${e(t.name)}</title><text x="0" y="${mid}" class="label">${e(label)}</text><rect x="${CHART.label}" y="${y + 7}" width="${CHART.bar}" height="${CHART.row - 14}" class="track"/>${segs.join('')}<text x="${CHART.label + CHART.bar + 12}" y="${mid}" class="value">${e(rate)}</text></g>`;
  });
  return `<section id="rates">
<h2>Pass rate per check</h2>
<svg class="chart" role="img" aria-label="Pass rate per check" viewBox="0 0 ${CHART.width} ${height}" width="${CHART.width}" height="${height}">
${rows.join('\n')}
</svg>
</section>`;
}

function failure(r: CheckResult): string {
  const o = outcomeOf(r);
  const lines = [
    `<div class="head"><span class="tag ${o}">${WORD[o]}</span> <b>${e(r.name)}</b> <span class="route">${e(r.from)} → ${e(r.to)}</span> <span class="expect">expected ${e(r.expected ?? r.expect)}</span></div>`,
  ];
  if (o === 'blocked') lines.push(`<p class="note">not run: it needs “${e(r.blockedBy ?? '')}”, which did not pass</p>`);
  else {
    if (r.message) lines.push(`<p class="message">${e(r.message)}</p>`);
    if (r.detail) lines.push(`<p class="detail">${e(r.detail)}</p>`);
    if (r.diagnosis) lines.push(`<p class="why"><b>why</b> ${e(r.diagnosis)}</p>`);
  }
  if (r.hint) lines.push(`<p class="hint"><b>hint</b> ${e(r.hint)}</p>`);
  return `<li class="${o}">${lines.join('')}</li>`;
}

function studentSection(s: StudentGrade, id: string): string {
  const head = `<h3><span class="name">${e(s.student)}</span> <span class="score">${s.error !== undefined ? 'not graded' : `${s.score}/${s.maxScore}`}</span> <small>${e(s.context)} · ${e(s.lab)}</small></h3>`;
  if (s.error !== undefined) return `<article class="student errored" id="${id}">${head}<p class="error">${e(s.error)}</p></article>`;
  if (s.checks.length === 0) return `<article class="student" id="${id}">${head}<p class="stuck">no check was graded</p></article>`;
  const failed = s.checks.filter((c) => !c.ok);
  const stuck = firstFailing(s.checks);
  const lead = stuck ? `<p class="stuck">first failing: <b>${e(stuck.name)}</b> · ${failed.length} of ${s.checks.length} checks did not pass</p>` : '';
  return `<article class="student" id="${id}">${head}${lead}<ul class="failures">${failed.map(failure).join('')}</ul></article>`;
}

function studentsSection(students: readonly StudentGrade[], ids: readonly string[]): string {
  const parts: string[] = [];
  const clean: string[] = [];
  students.forEach((s, i) => {
    if (s.error === undefined && s.checks.length > 0 && s.checks.every((c) => c.ok)) clean.push(`<a href="#${ids[i]}" id="${ids[i]}">${e(s.student)}</a>`);
    else parts.push(studentSection(s, ids[i]!));
  });
  const all = clean.length > 0 ? `<p class="clean"><b>Every check passed:</b> ${clean.join(', ')}</p>` : '';
  return `<section id="students">
<h2>Failed checks by student</h2>
${parts.length > 0 ? parts.join('\n') : '<p>No student failed a check.</p>'}
${all}
</section>`;
}

const CSS = `
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--soft:#f6f8fa;
--pass:#1a7f37;--pass-bg:#dafbe1;--fail:#cf222e;--fail-bg:#ffebe9;--blocked:#59636e;--blocked-bg:#eaeef2;--warn:#9a6700;--warn-bg:#fff8c5}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--bg:#0d1117;--soft:#151b23;
--pass:#3fb950;--pass-bg:#12261e;--fail:#f85149;--fail-bg:#2d1517;--blocked:#9198a1;--blocked-bg:#212830;--warn:#d29922;--warn-bg:#272115}}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif;color:var(--fg);background:var(--bg)}
main,header{max-width:1200px;margin:0 auto;padding:0 24px}
header{padding-top:24px;padding-bottom:4px}
h1{font-size:24px;margin:0}
h1 .ex{font-weight:400;color:var(--muted)}
h2{font-size:17px;margin:28px 0 10px}
h3{font-size:15px;margin:0 0 4px}
small{color:var(--muted);font-weight:400}
.when{margin:2px 0 12px;color:var(--muted)}
.stats{display:flex;flex-wrap:wrap;gap:12px;margin:0 0 12px}
.stats div{background:var(--soft);border:1px solid var(--line);border-radius:8px;padding:8px 14px;min-width:140px}
.stats dt{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.stats dd{margin:0;font-size:20px;font-weight:600}
.stats dd small{font-size:14px}
.scroll{overflow-x:auto;border:1px solid var(--line);border-radius:8px}
table.grid{border-collapse:collapse;width:100%;table-layout:fixed}
.grid th,.grid td{border-bottom:1px solid var(--line);padding:6px 8px;text-align:center;vertical-align:middle}
.grid tbody tr:last-child>*{border-bottom:0}
.grid thead th{background:var(--soft);font-size:12px;font-weight:600;vertical-align:bottom;overflow-wrap:break-word;hyphens:auto;line-height:1.3}
.grid th.who,.grid tbody th{text-align:left;position:sticky;left:0;z-index:1;background:var(--bg);overflow-wrap:anywhere}
.grid thead th.who{background:var(--soft)}
.grid tbody th a{color:inherit;font-weight:600;text-decoration:none}
.grid tbody th a:hover{text-decoration:underline}
.grid tbody th small{display:block;font-size:12px}
.grid th.check .n{display:block;color:var(--muted);font-weight:400}
td.score{white-space:nowrap;font-variant-numeric:tabular-nums;font-weight:600}
td.score.full{color:var(--pass)}
.meter{display:block;height:4px;width:56px;margin:4px auto 0;background:var(--blocked-bg);border-radius:2px;overflow:hidden}
.meter span{display:block;height:100%;background:var(--pass)}
.cell{font-weight:700;font-size:15px}
.cell.pass{color:var(--pass);background:var(--pass-bg)}
.cell.fail{color:var(--fail);background:var(--fail-bg)}
.cell.blocked{color:var(--blocked);background:var(--blocked-bg)}
.cell.warning{color:var(--warn);background:var(--warn-bg)}
.cell.missing{color:var(--muted)}
td.error{text-align:left;color:var(--fail);background:var(--fail-bg)}
.legend{color:var(--muted);font-size:13px}
.legend .cell{display:inline-block;width:22px;text-align:center;border-radius:4px;margin-left:10px;font-size:13px}
.legend .cell:first-child{margin-left:0}
ol.names{columns:2;font-size:13px;color:var(--muted)}
svg.chart{max-width:100%;height:auto;display:block}
svg.chart text{font:13px system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif;dominant-baseline:central;fill:var(--fg)}
svg.chart .value{font-variant-numeric:tabular-nums;fill:var(--muted)}
svg.chart .track{fill:var(--blocked-bg)}
.student{border:1px solid var(--line);border-radius:8px;padding:12px 16px;margin:0 0 12px}
.student .score{color:var(--fail);margin-left:6px}
.student.errored{border-color:var(--fail)}
.stuck,.note{margin:0 0 6px;color:var(--muted)}
.failures{list-style:none;margin:0;padding:0}
.failures li{border-left:3px solid var(--fail);padding:6px 0 6px 12px;margin:8px 0}
.failures li.blocked{border-color:var(--blocked)}
.failures li.warning{border-color:var(--warn)}
.failures p{margin:4px 0 0}
.tag{display:inline-block;font-size:11px;font-weight:700;text-transform:uppercase;border-radius:4px;padding:1px 6px}
.tag.fail{color:var(--fail);background:var(--fail-bg)}
.tag.blocked{color:var(--blocked);background:var(--blocked-bg)}
.tag.warning{color:var(--warn);background:var(--warn-bg)}
.route,.expect{color:var(--muted);margin-left:6px}
.detail{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:12.5px;white-space:pre-wrap;overflow-wrap:anywhere;background:var(--soft);border-radius:4px;padding:4px 8px}
.why b,.hint b{display:inline-block;min-width:36px;color:var(--muted);font-size:12px;text-transform:uppercase}
.why{overflow-wrap:anywhere}
.error{color:var(--fail);white-space:pre-wrap;overflow-wrap:anywhere}
.clean a{color:var(--pass);font-weight:600}
footer{max-width:1200px;margin:24px auto;padding:0 24px;color:var(--muted);font-size:12px}
`;

/** The whole page for a class's grade. */
export function formatClassHtml(grade: ClassGrade): string {
  const students = byName(grade.students);
  const ids = students.map((_, i) => `s-${i + 1}`);
  const columns = checkColumns(students);
  const totals = classTotals(students);
  const tallies = columnTallies(students, columns);
  const title = `${classTitle(grade)}${grade.exercise !== undefined ? ` · exercise ${grade.exercise}` : ''}`;
  const stats = [
    ['class score', `${totals.score}/${totals.maxScore} <small>${percent(totals.score, totals.maxScore)}</small>`],
    ['full marks', `${totals.fullMarks} <small>of ${students.length} students</small>`],
    ['checks', String(columns.length)],
  ];
  if (totals.errors > 0) stats.push(['not graded', `${totals.errors} <small>of ${students.length}</small>`]);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)} · netlab class report</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${e(classTitle(grade))}${grade.exercise !== undefined ? ` <span class="ex">exercise ${e(grade.exercise)}</span>` : ''}</h1>
<p class="when">graded <time datetime="${e(grade.at)}">${e(when(grade.at))}</time></p>
<dl class="stats">${stats.map(([k, v]) => `<div><dt>${k}</dt><dd>${v}</dd></div>`).join('')}</dl>
</header>
<main>
${grid(students, ids, columns)}
${passRates(tallies)}
${studentsSection(students, ids)}
</main>
<footer>netlab class grade · ${students.length} students · ${columns.length} checks</footer>
</body>
</html>
`;
}
