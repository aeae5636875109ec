/**
 * The two ways a checkpoint goes wrong, as errors every log reports alike: damage (a file emptied,
 * deleted or garbled — never read as valid, since a wrong offset silently replays or skips data)
 * and a second writer (Spark's "Concurrent update to the log").
 */
import { StreamlabError } from "../errors";

const RESTORE =
  "Restore the checkpoint folder from a backup, or start the query with a new checkpointLocation (it then reads its source from the beginning, and the sink may receive that data again).";

/** STREAM_CHECKPOINT_CORRUPT: `file` `problem` ("is empty", "is not JSON: …"). */
export function checkpointCorrupt(file: string, problem: string, details: Record<string, unknown> = {}): StreamlabError {
  return new StreamlabError("STREAM_CHECKPOINT_CORRUPT", `The checkpoint file ${file} ${problem}: the checkpoint is damaged, and reading on would replay or skip data.`, {
    hint: RESTORE,
    details: { file, ...details },
  });
}

/** STREAM_CONCURRENT_RUN: entry `id` of the log in `dir` was created by another writer. */
export function concurrentUpdate(file: string, log: string, unit: string, id: number): StreamlabError {
  return new StreamlabError(
    "STREAM_CONCURRENT_RUN",
    `Concurrent update to the log. Multiple streaming jobs detected for ${unit} ${id}: ${file} (the ${log}) was written by another query on the same checkpoint, so this one stops without writing it.`,
    {
      hint: "Only one query may run on a checkpoint at a time. Stop the other query (or process) and restart one of them: it continues from the entries already there.",
      details: { file, batchId: id },
    },
  );
}
