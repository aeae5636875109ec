/** Simulators: feeds of e-commerce events, users and weather readings, as files or rows. */
export { FileSimulator, simulate, type SimulatorOptions, type FileManifest, type SimulatorStats } from "./file-simulator";
export { generate, type GenerateOptions } from "./generate";
export { Feed, type FeedOptions, type FaultOptions } from "./feed";
export { EVENT_TYPES, FEED_KINDS, type FeedKind, type SimRow } from "./rows";
export type { FileFormat } from "./format";
export { isoInZone } from "./time";
export { EVENTS_SCHEMA, USERS_SCHEMA, WEATHER_SCHEMA, FEED_SCHEMAS } from "./schemas";
export { writeDailyFiles, type DailyOptions, type DailyFile } from "./daily";
