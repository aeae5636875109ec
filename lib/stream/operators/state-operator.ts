/**
 * What every stateful operator shares (Spark's StateStoreWriter): binding to its state folder,
 * restoring the batch's version when a schema is recorded, creating the store from the first
 * batch's columns, committing the next version with the batch's metrics, closing.
 */
import type { Duck } from "../../duck";
import { StreamlabError } from "../../errors";
import { StateStore } from "../state-store";
import { emptyProgress, type StateOperatorProgress } from "../stateful";
import { checkStateSchema, readStateSchema, type StateColumns } from "./state-schema";

export abstract class StateOperatorBase {
  readonly stateful = true as const;
  abstract readonly operatorName: string;
  abstract readonly label: string;
  protected store?: StateStore;
  protected duck!: Duck;
  protected dir!: string;
  protected version = 0;
  /** This batch's metrics, reported at commit. */
  protected progress?: StateOperatorProgress;

  /** The key columns of the state rows, given the columns recorded for them (dedup on all columns learns its keys from them). */
  protected abstract stateKeys(recorded: StateColumns): string[];

  async restore(duck: Duck, dir: string, version: number): Promise<void> {
    this.duck = duck;
    this.dir = dir;
    this.version = version;
    const known = readStateSchema(dir);
    if (known) {
      this.store = new StateStore(duck, dir, { keyColumns: this.stateKeys(known.columns), columns: known.columns });
      await this.store.load(version);
    } else if (version > 0 && new StateStore(duck, dir, { keyColumns: ["x"], columns: [["x", "INT"]] }).versions().length > 0) {
      throw new StreamlabError("STREAM_CHECKPOINT_CORRUPT", `The state of ${this.label} in ${dir} has no schema file (_metadata/schema).`, { hint: "Restore the checkpoint folder, or start the query with a new checkpointLocation." });
    }
  }

  /** The store: restored, or created now with the first batch's state columns (recorded, or checked against the record). */
  protected async openStore(columns: StateColumns, keys: string[]): Promise<StateStore> {
    if (!this.store) {
      checkStateSchema(this.dir, this.operatorName, columns, keys);
      this.store = new StateStore(this.duck, this.dir, { keyColumns: keys, columns });
      await this.store.load(this.version);
    }
    return this.store;
  }

  /** Records this batch's metrics (the rest are filled in at commit). */
  protected report(p: Partial<StateOperatorProgress>): void {
    this.progress = { ...emptyProgress(this.operatorName), ...p };
  }

  async commit(version: number): Promise<StateOperatorProgress> {
    const p = this.progress ?? emptyProgress(this.operatorName);
    this.progress = undefined;
    this.version = version;
    // No batch has reached the operator yet: nothing to keep.
    if (!this.store) return p;
    const m = await this.store.commit(version);
    return { ...p, numRowsTotal: m.numRowsTotal, memoryUsedBytes: m.memoryUsedBytes, commitTimeMs: m.commitTimeMs };
  }

  async close(): Promise<void> {
    await this.store?.close();
  }
}
