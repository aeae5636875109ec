/**
 * Silver's data contract: named expectations over bronze's strings, each with DLT's action —
 * `warn` (keep the row, count it), `drop` (keep it out of silver, in the quarantine with the names
 * of the rules it failed) or `fail` (stop the run before anything is written, naming the rule).
 */
import { StreamlabError } from "../../errors";

export type ExpectationAction = "warn" | "drop" | "fail";
export const EXPECTATION_ACTIONS: readonly ExpectationAction[] = ["warn", "drop", "fail"];

export interface Expectation {
  name: string;
  /** A SQL predicate over bronze's string columns: true when the row meets the rule. */
  constraint: string;
  doc: string;
  /**
   * False when silver cannot hold a row that fails the rule (the column is NOT NULL and the value
   * cannot be cast): such a rule drops or fails, it cannot only warn.
   */
  warnable: boolean;
}

/** The typed value of a bronze string, NULL when it cannot be read as one. */
export const PRICE_SQL = "try_cast(trim(price) AS DECIMAL(10,2))";
export const TIMESTAMP_SQL = "try_cast(trim(event_timestamp) AS TIMESTAMPTZ)";
/** ISO-8601 as DuckDB reads it: a date, then optionally a time with fractions and an offset (not DuckDB's "epoch" or "infinity"). */
const ISO_8601 = String.raw`\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?`;
/** The event's day in UTC, whatever the session's time zone. */
export const DATE_SQL = `CAST((${TIMESTAMP_SQL} AT TIME ZONE 'UTC') AS DATE)`;

export const EXPECTATIONS: readonly Expectation[] = [
  { name: "valid_event_id", constraint: "coalesce(trim(event_id), '') <> ''", doc: "event_id is present", warnable: false },
  { name: "valid_user_id", constraint: "coalesce(trim(user_id), '') <> ''", doc: "user_id is present", warnable: false },
  { name: "valid_event_type", constraint: "coalesce(event_type IN ('view', 'add_to_cart', 'purchase'), false)", doc: "event_type is view, add_to_cart or purchase", warnable: true },
  { name: "valid_price", constraint: `coalesce(${PRICE_SQL} >= 0, false)`, doc: "price is a decimal (10,2) and not negative", warnable: false },
  { name: "valid_timestamp", constraint: `coalesce(regexp_full_match(trim(event_timestamp), '${ISO_8601}') AND isfinite(${TIMESTAMP_SQL}), false)`, doc: "event_timestamp is an ISO-8601 date-time", warnable: false },
];

/** The action of each expectation. */
export type ContractActions = Record<string, ExpectationAction>;

/** Every rule drops by default: the row goes to the quarantine, to be fixed and replayed. */
export const DEFAULT_ACTIONS: Readonly<ContractActions> = Object.fromEntries(EXPECTATIONS.map((e) => [e.name, "drop"]));

/** The defaults with `given` over them; INVALID_OPTION for an unknown rule or action, or a warn silver cannot hold. */
export function contractActions(given: Partial<ContractActions> = {}): ContractActions {
  const out: ContractActions = { ...DEFAULT_ACTIONS };
  for (const [name, action] of Object.entries(given)) {
    if (action === undefined) continue;
    const e = EXPECTATIONS.find((x) => x.name === name);
    if (!e) {
      throw new StreamlabError("INVALID_OPTION", `expectations names an unknown rule "${name}".`, { hint: `The rules are: ${EXPECTATIONS.map((x) => x.name).join(", ")}.`, details: { option: "expectations", rule: name } });
    }
    if (!EXPECTATION_ACTIONS.includes(action)) {
      throw new StreamlabError("INVALID_OPTION", `expectations.${name} is "${String(action)}".`, { hint: `Use one of: ${EXPECTATION_ACTIONS.join(", ")}.`, details: { option: `expectations.${name}` } });
    }
    if (action === "warn" && !e.warnable) {
      throw new StreamlabError("INVALID_OPTION", `expectations.${name} cannot be "warn": a row failing it (${e.doc}) has no value silver's NOT NULL column can hold.`, {
        hint: 'Use "drop" (quarantine the row) or "fail" (stop the run).',
        details: { option: `expectations.${name}` },
      });
    }
    out[name] = action;
  }
  return out;
}

/** Parses "valid_price=fail,valid_event_type=warn" (the CLI's --expect). */
export function parseActions(spec: string): Partial<ContractActions> {
  const out: Partial<ContractActions> = {};
  for (const part of spec.split(",").map((s) => s.trim()).filter(Boolean)) {
    const [name, action] = part.split("=").map((s) => s.trim());
    if (!name || !action) throw new StreamlabError("INVALID_OPTION", `--expect "${part}" is not rule=action.`, { hint: "Write it like --expect valid_price=fail,valid_event_type=warn." });
    out[name] = action as ExpectationAction;
  }
  return out;
}

/** What the run log records per expectation, after DLT's data_quality.expectations. */
export interface ExpectationMetrics {
  name: string;
  action: ExpectationAction;
  passed_records: number;
  failed_records: number;
}
