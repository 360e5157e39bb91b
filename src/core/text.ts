// Small text helpers every layer may use.

/** Free text on one line: every run of blanks and line breaks one space; cut at `max` characters with "…". */
export function oneLine(text: string, max = Infinity): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}
