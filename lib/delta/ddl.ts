/**
 * Spark-style DDL schema strings ("event_id STRING NOT NULL, price DECIMAL(10,2), tags ARRAY<STRING>")
 * to Delta schemas and back, so users write schemas the way Spark users do.
 */
import { StreamlabError } from "../errors";
import { isArray, isMap, isStruct, type DeltaType, type StructField, type StructType } from "./schema";

const SIMPLE: Record<string, DeltaType> = {
  STRING: "string", VARCHAR: "string", CHAR: "string", TEXT: "string",
  BIGINT: "long", LONG: "long", INT: "integer", INTEGER: "integer", SMALLINT: "short", SHORT: "short",
  TINYINT: "byte", BYTE: "byte", FLOAT: "float", REAL: "float", DOUBLE: "double", BOOLEAN: "boolean", BOOL: "boolean",
  BINARY: "binary", DATE: "date", TIMESTAMP: "timestamp", TIMESTAMP_LTZ: "timestamp", TIMESTAMP_NTZ: "timestamp_ntz",
};

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  fail(what: string): never {
    throw new StreamlabError("INVALID_OPTION", `Cannot parse the schema "${this.s}": ${what} at position ${this.i + 1}.`, {
      hint: 'Write it as Spark DDL, e.g. "event_id STRING NOT NULL, price DECIMAL(10,2), event_timestamp TIMESTAMP".',
    });
  }

  ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }

  peek(re: RegExp): boolean {
    this.ws();
    return re.test(this.s.slice(this.i));
  }

  take(re: RegExp, what: string): string {
    this.ws();
    const m = re.exec(this.s.slice(this.i));
    if (!m || m.index !== 0) this.fail(`expected ${what}`);
    this.i += m[0].length;
    return m[0];
  }

  name(): string {
    this.ws();
    if (this.s[this.i] === "`") {
      // Spark's quoted identifiers: a back-quote inside is written twice.
      let n = "";
      for (let j = this.i + 1; j < this.s.length; j++) {
        if (this.s[j] !== "`") n += this.s[j];
        else if (this.s[j + 1] === "`") {
          n += "`";
          j++;
        } else {
          this.i = j + 1;
          return n;
        }
      }
      this.fail("an unclosed `");
    }
    return this.take(/^[A-Za-z_][A-Za-z0-9_]*/, "a column name");
  }

  type(): DeltaType {
    const word = this.take(/^[A-Za-z_]+/, "a type").toUpperCase();
    if (word === "DECIMAL" || word === "NUMERIC" || word === "DEC") {
      if (this.peek(/^\(/)) {
        this.take(/^\(/, "(");
        const p = this.take(/^\d+/, "a precision");
        let sc = "0";
        if (this.peek(/^,/)) {
          this.take(/^,/, ",");
          sc = this.take(/^\d+/, "a scale");
        }
        this.take(/^\)/, ")");
        if (Number(p) < 1 || Number(p) > 38 || Number(sc) > Number(p)) this.fail(`DECIMAL(${p},${sc}) is out of range (precision 1-38, scale ≤ precision)`);
        return `decimal(${p},${sc})`;
      }
      return "decimal(10,0)";
    }
    if ((word === "VARCHAR" || word === "CHAR") && this.peek(/^\(/)) {
      this.take(/^\(\s*\d+\s*\)/, "a length");
      return "string";
    }
    if (word === "ARRAY") {
      this.take(/^</, "<");
      const e = this.type();
      this.take(/^>/, ">");
      return { type: "array", elementType: e, containsNull: true };
    }
    if (word === "MAP") {
      this.take(/^</, "<");
      const k = this.type();
      this.take(/^,/, ",");
      const v = this.type();
      this.take(/^>/, ">");
      return { type: "map", keyType: k, valueType: v, valueContainsNull: true };
    }
    if (word === "STRUCT") {
      this.take(/^</, "<");
      const fields: StructField[] = [];
      while (!this.peek(/^>/)) {
        const n = this.name();
        if (this.peek(/^:/)) this.take(/^:/, ":");
        fields.push(this.fieldRest(n));
        if (!this.peek(/^>/)) this.take(/^,/, ", or >");
      }
      this.take(/^>/, ">");
      return { type: "struct", fields };
    }
    const t = SIMPLE[word];
    if (!t) this.fail(`unknown type ${word}`);
    return t;
  }

  fieldRest(name: string): StructField {
    const type = this.type();
    let nullable = true;
    const metadata: Record<string, unknown> = {};
    for (;;) {
      if (this.peek(/^NOT\s+NULL\b/i)) {
        this.take(/^NOT\s+NULL/i, "NOT NULL");
        nullable = false;
      } else if (this.peek(/^COMMENT\b/i)) {
        this.take(/^COMMENT/i, "COMMENT");
        const c = this.take(/^'(?:[^'\\]|\\.)*'/, "a quoted comment");
        metadata.comment = c.slice(1, -1).replace(/\\(.)/g, "$1");
      } else break;
    }
    return { name, type, nullable, metadata };
  }

  parse(): StructType {
    const fields: StructField[] = [];
    this.ws();
    if (this.i >= this.s.length) this.fail("no column");
    while (this.i < this.s.length) {
      const n = this.name();
      fields.push(this.fieldRest(n));
      this.ws();
      if (this.i < this.s.length) this.take(/^,/, "a comma");
      this.ws();
    }
    const seen = new Set<string>();
    for (const f of fields) {
      if (seen.has(f.name.toLowerCase())) this.fail(`the column "${f.name}" appears twice`);
      seen.add(f.name.toLowerCase());
    }
    return { type: "struct", fields };
  }
}

/** Parses a Spark DDL schema string. */
export function parseDdl(ddl: string): StructType {
  return new Parser(ddl).parse();
}

/** A Delta type as Spark DDL. */
export function typeDdl(t: DeltaType): string {
  if (typeof t === "string") {
    const map: Record<string, string> = { string: "STRING", long: "BIGINT", integer: "INT", short: "SMALLINT", byte: "TINYINT", float: "FLOAT", double: "DOUBLE", boolean: "BOOLEAN", binary: "BINARY", date: "DATE", timestamp: "TIMESTAMP", timestamp_ntz: "TIMESTAMP_NTZ" };
    return map[t] ?? t.toUpperCase();
  }
  if (isStruct(t)) return `STRUCT<${t.fields.map((f) => fieldDdl(f, ": ")).join(", ")}>`;
  if (isArray(t)) return `ARRAY<${typeDdl(t.elementType)}>`;
  if (isMap(t)) return `MAP<${typeDdl(t.keyType)}, ${typeDdl(t.valueType)}>`;
  return JSON.stringify(t);
}

/** A column name as Spark DDL: back-quoted (a back-quote inside doubled) unless it is a plain identifier. */
function nameDdl(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `\`${name.replaceAll("`", "``")}\``;
}

/** One field: name, type, NOT NULL and COMMENT, at the top level ("a INT") or in a struct ("a: INT"). */
function fieldDdl(f: StructField, sep: string): string {
  const comment = typeof f.metadata?.comment === "string" ? ` COMMENT '${f.metadata.comment.replace(/[\\']/g, "\\$&")}'` : "";
  return `${nameDdl(f.name)}${sep}${typeDdl(f.type)}${f.nullable ? "" : " NOT NULL"}${comment}`;
}

/** A schema as Spark DDL. */
export function schemaDdl(s: StructType): string {
  return s.fields.map((f) => fieldDdl(f, " ")).join(", ");
}
