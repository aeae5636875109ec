/** One CSV line split into fields, honouring quotes: for headers and single records (multi-line fields are DuckDB's job). */

/**
 * Splits `line` on `sep` outside quotes. Fields keep their quotes as written (a caller that
 * rebuilds the line gets it back unchanged); `unquoteCsvField` turns one into its value.
 */
export function splitCsvLine(line: string, sep = ",", quote = '"'): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === quote && line[i + 1] === quote) {
        cur += quote + quote;
        i++;
      } else {
        if (c === quote) quoted = false;
        cur += c;
      }
    } else if (c === quote) {
      quoted = true;
      cur += c;
    } else if (sep !== "" && line.startsWith(sep, i)) {
      out.push(cur);
      cur = "";
      i += sep.length - 1;
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** The value of one field as written in a CSV line: surrounding blanks and quotes removed, doubled quotes undone. */
export function unquoteCsvField(field: string, quote = '"'): string {
  const t = field.trim();
  if (t.length >= 2 && t.startsWith(quote) && t.endsWith(quote)) return t.slice(1, -1).replaceAll(quote + quote, quote);
  return t;
}
