/** Streamlab's public API: what notebooks, the CLI and scripts import. */
export { StreamlabError, isStreamlabError, type ErrorCode } from "./errors";
export { Duck, duck, sqlString, sqlIdent, type Row } from "./duck";
export * as sim from "./sim/index";
export { simulate, generate, FileSimulator } from "./sim/index";
export * as viz from "./viz/index";
export { show, chart } from "./viz/index";
export { parseDuration } from "./util/duration";
export { projectRoot, dataPath, freshDir, listFiles } from "./paths";
export { rowsSql, sqlLiteral } from "./duck";
export * as delta from "./delta/index";
export { DeltaTable, DeltaCatalog } from "./delta/index";
