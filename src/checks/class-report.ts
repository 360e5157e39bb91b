// PLACEHOLDER (branch class): the report branch owns this file and its real page; this minimal
// version only keeps `class grade --html` working until it lands.
import type { ClassGrade } from './class-grade.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function formatClassHtml(grade: ClassGrade): string {
  const rows = grade.students
    .map((s) => `<tr><td>${esc(s.student)}</td><td>${esc(s.context)}</td><td>${s.score}/${s.maxScore}</td><td>${s.ok ? 'ok' : 'failing'}</td></tr>`)
    .join('\n');
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>${esc(grade.lab)}</title></head><body>\n<h1>${esc(grade.lab)}</h1>\n<table>\n${rows}\n</table>\n</body></html>\n`;
}
