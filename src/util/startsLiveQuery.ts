/** Cheap first look: text without the two words in a row cannot start a live query. */
const MAYBE = /live\s+select/i;
/** A LIVE SELECT statement, once strings, quoted identifiers and comments are blanked out. */
const STATEMENT = /(?:^|[^\w$.])live\s+select\b/i;

/**
 * True when SurrealQL `text` contains a `LIVE SELECT` statement. The words inside string literals,
 * quoted identifiers (`` `...` ``, `⟨...⟩`) and comments (`--`, `//`, `#`, `/* ... *\/`) do not count, so
 * `CREATE note SET text = 'live select'` is not one.
 */
export function startsLiveQuery(text: string): boolean {
  if (!MAYBE.test(text)) return false;
  return STATEMENT.test(blankOutLiterals(text));
}

/** `text` with every string literal, quoted identifier and comment replaced by one space. */
function blankOutLiterals(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    let end: number;
    if (c === "'" || c === '"' || c === "`") end = closing(text, i + 1, c);
    else if (c === "⟨") end = closing(text, i + 1, "⟩");
    else if (c === "#" || (c === "-" && next === "-") || (c === "/" && next === "/")) {
      end = text.indexOf("\n", i);
      if (end < 0) end = text.length;
    } else if (c === "/" && next === "*") {
      end = text.indexOf("*/", i + 2);
      end = end < 0 ? text.length : end + 2;
    } else {
      out += c;
      i++;
      continue;
    }
    out += " ";
    i = end;
  }
  return out;
}

/** The index after the `quote` that closes a literal opened before `from` (backslash escapes honoured). */
function closing(text: string, from: number, quote: string): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === quote) return i + 1;
  }
  return text.length;
}
