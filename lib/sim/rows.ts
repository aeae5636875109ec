/**
 * Row logic shared by the file simulators and the in-memory generator: one seeded
 * generator per feed kind (e-commerce events, users, weather readings).
 */
import { Faker, en } from "@faker-js/faker";
import { isoInZone } from "./time";

export type FeedKind = "events" | "users" | "weather";
export type SimRow = Record<string, string | number | null>;

export interface RowContext {
  /** When the row "happened" upstream; generators derive their time column from it. */
  time: Date;
  /** IANA time zone for zone-aware columns (users.signup_ts). */
  timeZone: string;
}

/** A feed: its columns, its time column, and a seeded row maker. */
export interface RowGenerator {
  readonly kind: FeedKind;
  readonly columns: readonly string[];
  /** The event-time column that late-event injection moves back, if the feed has one. */
  readonly timeColumn: string;
  /** The column a duplicate repeats (the feed's natural key), if any. */
  readonly keyColumn?: string;
  /** The column schema drift adds by default. */
  readonly driftColumn: string;
  next(ctx: RowContext): SimRow;
  driftValue(): string | number;
  readonly faker: Faker;
}

export const EVENT_TYPES = ["view", "add_to_cart", "purchase"] as const;

function seededFaker(seed: number): Faker {
  const f = new Faker({ locale: [en] });
  f.seed(seed);
  return f;
}

class EventsGenerator implements RowGenerator {
  readonly kind = "events" as const;
  readonly columns = ["event_id", "user_id", "event_type", "product_id", "price", "event_timestamp"] as const;
  readonly timeColumn = "event_timestamp";
  readonly keyColumn = "event_id";
  readonly driftColumn = "coupon_code";
  readonly faker: Faker;
  private readonly products: { id: string; price: number }[];

  constructor(seed: number) {
    this.faker = seededFaker(seed);
    this.products = Array.from({ length: 50 }, (_, i) => ({
      id: `p_${String(i + 1).padStart(4, "0")}`,
      price: Number(this.faker.commerce.price({ min: 2, max: 400, dec: 2 })),
    }));
  }

  next(ctx: RowContext): SimRow {
    const f = this.faker;
    const product = f.helpers.arrayElement(this.products);
    const event_type = f.helpers.weightedArrayElement([
      { weight: 70, value: "view" },
      { weight: 20, value: "add_to_cart" },
      { weight: 10, value: "purchase" },
    ]);
    return {
      event_id: f.string.uuid(),
      user_id: `u_${String(f.number.int({ min: 1, max: 500 })).padStart(5, "0")}`,
      event_type,
      product_id: product.id,
      price: product.price,
      event_timestamp: ctx.time.toISOString(),
    };
  }

  driftValue(): string {
    return this.faker.helpers.arrayElement(["NONE", "WELCOME10", "BLACKFRIDAY", "FREESHIP"]);
  }
}

class UsersGenerator implements RowGenerator {
  readonly kind = "users" as const;
  readonly columns = ["name", "address", "email", "signup_ts"] as const;
  readonly timeColumn = "signup_ts";
  readonly keyColumn = "email";
  readonly driftColumn = "phone";
  readonly faker: Faker;

  constructor(seed: number) {
    this.faker = seededFaker(seed);
  }

  next(ctx: RowContext): SimRow {
    const f = this.faker;
    const first = f.person.firstName();
    const last = f.person.lastName();
    return {
      name: `${first} ${last}`,
      address: `${f.location.streetAddress()}, ${f.location.city()}, ${f.location.zipCode()}`,
      email: f.internet.email({ firstName: first, lastName: last }).toLowerCase(),
      signup_ts: isoInZone(ctx.time, ctx.timeZone),
    };
  }

  driftValue(): string {
    return this.faker.phone.number();
  }
}

class WeatherGenerator implements RowGenerator {
  readonly kind = "weather" as const;
  readonly columns = ["station_id", "temperature_c", "humidity", "wind_kph", "event_time"] as const;
  readonly timeColumn = "event_time";
  readonly driftColumn = "pressure_hpa";
  readonly faker: Faker;
  private readonly stations: { id: string; temp: number; humidity: number }[];

  constructor(seed: number) {
    this.faker = seededFaker(seed);
    this.stations = Array.from({ length: 8 }, (_, i) => ({
      id: `ST-${String(i + 1).padStart(3, "0")}`,
      temp: this.faker.number.float({ min: -5, max: 30, fractionDigits: 1 }),
      humidity: this.faker.number.float({ min: 30, max: 90, fractionDigits: 1 }),
    }));
  }

  next(ctx: RowContext): SimRow {
    const f = this.faker;
    const s = f.helpers.arrayElement(this.stations);
    // A bounded random walk per station, so charts look like weather rather than noise.
    s.temp = clamp(s.temp + f.number.float({ min: -0.4, max: 0.4 }), -30, 45);
    s.humidity = clamp(s.humidity + f.number.float({ min: -1.5, max: 1.5 }), 5, 100);
    return {
      station_id: s.id,
      temperature_c: round(s.temp, 1),
      humidity: round(s.humidity, 1),
      wind_kph: round(f.number.float({ min: 0, max: 60 }), 1),
      event_time: ctx.time.toISOString(),
    };
  }

  driftValue(): number {
    return round(this.faker.number.float({ min: 980, max: 1040 }), 1);
  }
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

function round(x: number, digits: number): number {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
}

export { FEED_KINDS } from "./schemas";

export function rowGenerator(kind: FeedKind, seed: number): RowGenerator {
  switch (kind) {
    case "events":
      return new EventsGenerator(seed);
    case "users":
      return new UsersGenerator(seed);
    case "weather":
      return new WeatherGenerator(seed);
  }
}
