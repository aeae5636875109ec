/**
 * The feeds' schemas as Spark DDL, declared once: what a reader of the simulator's files passes as
 * `schema` (notebooks, the main job, benchmarks and tests all use these instead of copies).
 */
import type { FeedKind } from "./rows";

/** E-commerce events: one row per view / add_to_cart / purchase. `event_id` is the natural key. */
export const EVENTS_SCHEMA = "event_id STRING, user_id STRING, event_type STRING, product_id STRING, price DECIMAL(10,2), event_timestamp TIMESTAMP";

/** Users: `signup_ts` carries the feed's time zone offset. */
export const USERS_SCHEMA = "name STRING, address STRING, email STRING, signup_ts TIMESTAMP";

/** Weather readings: one per station and tick. */
export const WEATHER_SCHEMA = "station_id STRING, temperature_c DOUBLE, humidity DOUBLE, wind_kph DOUBLE, event_time TIMESTAMP";

/** Each feed's schema by kind. The columns are the generators' (a test holds the two together). */
/** The simulator's feeds (here, with their schemas, so a command line lists them without loading Faker). */
export const FEED_KINDS: readonly FeedKind[] = ["events", "users", "weather"];

export const FEED_SCHEMAS: Readonly<Record<FeedKind, string>> = { events: EVENTS_SCHEMA, users: USERS_SCHEMA, weather: WEATHER_SCHEMA };
