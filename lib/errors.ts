/**
 * The one error type of Streamlab. Every failure a user can meet carries a stable `code`
 * (tests and callers match on it) and a message that says what was wrong and what to do.
 */

export type ErrorCode =
  // options and inputs
  | "INVALID_OPTION"
  | "INVALID_ARGUMENT"
  | "PATH_NOT_WRITABLE"
  | "PATH_NOT_FOUND"
  | "PATH_IN_USE"
  | "IO_ERROR"
  | "SQL_ERROR"
  // Delta reader
  | "DELTA_TABLE_NOT_FOUND"
  | "DELTA_VERSIONS_NOT_CONTIGUOUS"
  | "DELTA_MISSING_PROTOCOL"
  | "DELTA_MISSING_METADATA"
  | "DELTA_UNSUPPORTED_READER_VERSION"
  | "DELTA_UNSUPPORTED_WRITER_VERSION"
  | "DELTA_UNSUPPORTED_FEATURE"
  | "DELTA_CORRUPT_COMMIT"
  | "DELTA_INVALID_CHECKPOINT"
  | "DELTA_VERSION_NOT_FOUND"
  | "DELTA_TIMESTAMP_OUT_OF_RANGE"
  | "DELTA_INVALID_SCHEMA"
  | "DELTA_DELETION_VECTOR_ERROR"
  // Delta writer
  | "DELTA_SCHEMA_MISMATCH"
  | "DELTA_CONSTRAINT_VIOLATION"
  | "DELTA_CONCURRENT_MODIFICATION"
  | "DELTA_CONCURRENT_APPEND"
  | "DELTA_CONCURRENT_DELETE_READ"
  | "DELTA_TABLE_ALREADY_EXISTS"
  | "DELTA_NOT_A_DELTA_TABLE"
  | "DELTA_EMPTY_WRITE"
  | "DELTA_MERGE_MULTIPLE_MATCHES"
  | "DELTA_RETENTION_TOO_SHORT"
  | "DELTA_APPEND_ONLY"
  // streaming
  | "STREAM_CHECKPOINT_MISMATCH"
  | "STREAM_CHECKPOINT_CORRUPT"
  | "STREAM_CONCURRENT_RUN"
  | "STREAM_QUERY_FAILED"
  | "STREAM_SOURCE_CHANGED"
  | "STREAM_FILE_MISSING"
  | "STREAM_FILE_CORRUPT"
  | "SCHEMA_CHANGED"
  | "MALFORMED_RECORD"
  // the medallion pipeline
  | "MEDALLION_CONTRACT_FAILED"
  | "MEDALLION_INVARIANT_VIOLATED"
  // sinks and notifications
  | "POSTGRES_ERROR"
  | "POSTGRES_TIMEOUT"
  | "POSTGRES_UNAVAILABLE"
  | "SMTP_ERROR";

export interface StreamlabErrorOptions {
  /** What the user can do about it; appended to the message. */
  hint?: string;
  cause?: unknown;
  /** Structured facts for callers (a file name, a version, a feature...). */
  details?: Record<string, unknown>;
}

export class StreamlabError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: StreamlabErrorOptions = {}) {
    super(options.hint ? `${message}${message.includes("\n") ? "\n" : /[.!?:)]$/.test(message) ? " " : ". "}${options.hint}` : message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "StreamlabError";
    this.code = code;
    this.hint = options.hint;
    this.details = options.details ?? {};
  }

  override toString(): string {
    return `StreamlabError [${this.code}]: ${this.message}`;
  }
}

/** True when `e` is a StreamlabError, optionally of the given code. */
export function isStreamlabError(e: unknown, code?: ErrorCode): e is StreamlabError {
  return e instanceof StreamlabError && (code === undefined || e.code === code);
}

/** The message of any thrown value, for wrapping foreign errors. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
