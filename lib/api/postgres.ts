/** PostgreSQL for users of the library (`sl.postgres`): the embedded database the main job uses, and a connection from DATABASE_URL / PG* variables. */
export { startEmbeddedPostgres, connect, closeClient, describeConnection, connectionFromEnv, openDatabase, servedEmbeddedPostgres, type EmbeddedPostgres } from "../sinks/postgres";
