/**
 * Write-time constraints: NOT NULL columns and CHECK constraints (`delta.constraints.<name>` in
 * the table's configuration). A write with any violating row is rejected whole, with counts.
 */
import { sqlIdent } from "../duck";
import type { Duck } from "../duck";
import { StreamlabError } from "../errors";
import { type StructType } from "./schema";

export function checkConstraintsOf(configuration: Record<string, string | null>): [string, string][] {
  return Object.entries(configuration)
    .filter(([k, v]) => k.startsWith("delta.constraints.") && v)
    .map(([k, v]) => [k.slice("delta.constraints.".length), v!]);
}

export function hasConstraints(schema: StructType, configuration: Record<string, string | null>): boolean {
  return schema.fields.some((f) => !f.nullable) || checkConstraintsOf(configuration).length > 0;
}

/** Counts rows of `select` that break a constraint; throws DELTA_CONSTRAINT_VIOLATION listing each. */
export async function enforceConstraints(duck: Duck, select: string, schema: StructType, configuration: Record<string, string | null>): Promise<void> {
  const checks: { label: string; failing: string }[] = [];
  for (const f of schema.fields) if (!f.nullable) checks.push({ label: `NOT NULL ${f.name}`, failing: `${sqlIdent(f.name)} IS NULL` });
  for (const [name, expr] of checkConstraintsOf(configuration)) {
    // Delta's rule: a row passes a CHECK only when the expression is true (NULL fails).
    checks.push({ label: `CHECK ${name} (${expr})`, failing: `NOT coalesce((${expr}), false)` });
  }
  if (checks.length === 0) return;
  const row = (await duck.all<Record<string, bigint>>(`SELECT ${checks.map((c, i) => `count(*) FILTER (WHERE ${c.failing}) AS c${i}`).join(", ")} FROM (${select})`))[0]!;
  const broken = checks.map((c, i) => ({ ...c, rows: Number(row[`c${i}`]) })).filter((c) => c.rows > 0);
  if (broken.length > 0) {
    throw new StreamlabError("DELTA_CONSTRAINT_VIOLATION", `The write breaks the table's constraints and was rejected; nothing was written:\n  - ${broken.map((b) => `${b.label}: ${b.rows} row${b.rows === 1 ? "" : "s"}`).join("\n  - ")}`, {
      hint: "Fix or filter those rows and write again.",
      details: { violations: Object.fromEntries(broken.map((b) => [b.label, b.rows])) },
    });
  }
}
