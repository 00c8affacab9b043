/**
 * The hub's configuration: the environment, parsed once with zod. A bad environment fails at start
 * listing every bad variable, never half-starts.
 */
import { z } from 'zod';

const onOff = z
  .enum(['on', 'off', 'true', 'false', '1', '0'])
  .transform((v) => v === 'on' || v === 'true' || v === '1');

const port = z.coerce.number().int().min(0).max(65535);

export const ConfigSchema = z.object({
  PORT: port.default(3000),
  /** Loopback by default; serving other machines needs real accounts (ADMIN_USER) and, across a network, TLS. */
  HOST: z.string().min(1).default('127.0.0.1'),
  MQTT_URL: z
    .string()
    .regex(/^(mqtts?|wss?|tcp):\/\/[^\s]+$/, 'must look like mqtt://host:port')
    .optional(),
  MQTT_PORT: port.default(1883),
  /** Interface the embedded broker listens on; anonymous access is only acceptable on loopback. */
  MQTT_HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  SIM: onOff.default(true),
  SIM_SPEED: z.coerce.number().positive().max(1000).default(1),
  SIM_SEED: z.coerce.number().int().default(1),
  /** A scenario file for the built-in simulator (sim/scenarios/*.json); its start time and seed win. */
  SIM_SCENARIO: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BASEMAP_STYLE_URL: z.url().optional(),
  /** Delta broadcast rate per family. */
  TICK_HZ: z.coerce.number().positive().max(60).default(10),
  /** How long raw samples are kept. */
  RETENTION_RAW_DAYS: z.coerce.number().positive().default(7),
  /** How long 1-minute aggregates (avg, min, max, count) are kept. */
  RETENTION_1M_DAYS: z.coerce.number().positive().default(90),
  /** How long 15-minute aggregates are kept. */
  RETENTION_15M_DAYS: z.coerce.number().positive().default(730),
  /**
   * Scaled mode (docs/deployment.md): several hubs share this Redis (Socket.IO adapter, membership,
   * replication) and partition the processing between them; use with DATABASE_URL and MQTT_URL.
   */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/[^\s]+$/, 'must look like redis://host:6379')
    .optional(),
  /** Redis key prefix of this city's hubs (several cities or test runs can share one Redis). */
  CLUSTER_PREFIX: z.string().regex(/^[A-Za-z0-9_:.-]{1,64}$/, 'letters, digits, _ : . - only').default('duisburg:'),
  /**
   * Flood protection: messages per second one device may send (token bucket; a signal controller
   * sends ~2.5/s). Scaled by SIM_SPEED for the built-in simulator. 0 turns it off — for sources that
   * run faster than real time on purpose (lock-step SUMO evaluation, accelerated test feeds).
   */
  DEVICE_RATE_PER_SEC: z.coerce.number().min(0).default(10),
  /** Messages a device may send at once after a quiet spell (a reconnect's retained burst). */
  DEVICE_RATE_BURST: z.coerce.number().int().min(1).default(30),
  /** The standards gateway's sources (server/gateway/config.ts); an absent file means none. */
  SOURCES_FILE: z.string().min(1).default('config/sources.json'),
  /**
   * Control mode of every installation when it first reports: 'fixed' (operators switch modes per
   * installation), or 'auto' / 'advisory' for the whole network (e.g. `npm run eval -- --controller
   * hub --hub-env CONTROL_DEFAULT_MODE=auto`). Audited like any mode change.
   */
  CONTROL_DEFAULT_MODE: z.enum(['fixed', 'advisory', 'auto']).default('fixed'),
  /** PostgreSQL instead of SQLite for the history, e.g. postgres://user@host:5432/db. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/[^\s]+$/, 'must look like postgres://user@host:5432/db')
    .optional(),
  /** Creates this admin account at start, or resets its password and role (with ADMIN_PASSWORD). */
  ADMIN_USER: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{1,63}$/i, 'must be 2–64 letters, digits, ".", "_" or "-"')
    .optional(),
  ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').max(256).optional(),
  /** With SIM=on: demo users with random passwords, printed once and kept in DATA_DIR/demo-accounts.txt. */
  DEMO_ACCOUNTS: onOff.default(true),
  /** Secure cookies even when requests arrive over plain http (a TLS-terminating proxy in front). */
  COOKIE_SECURE: onOff.default(false),
});

export type Config = z.infer<typeof ConfigSchema> & {
  /** True when MQTT_PORT was given explicitly (then a busy port is an error, not a fallback). */
  mqttPortExplicit: boolean;
};

export class ConfigError extends Error {
  readonly issues: string[];
  constructor(issues: string[]) {
    super(`invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** Parses the given environment (defaults to process.env); throws ConfigError listing every problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const known = Object.fromEntries(
    Object.keys(ConfigSchema.shape)
      .filter((k) => env[k] !== undefined && env[k] !== '')
      .map((k) => [k, env[k]]),
  );
  const r = ConfigSchema.safeParse(known);
  const secret = new Set(['ADMIN_PASSWORD']);
  const issues = r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}${secret.has(String(i.path[0])) ? '' : ` (got ${JSON.stringify(known[String(i.path[0])])})`}`);
  if ((known.ADMIN_USER === undefined) !== (known.ADMIN_PASSWORD === undefined)) issues.push('ADMIN_USER and ADMIN_PASSWORD: set both or neither');
  if (known.REDIS_URL !== undefined) {
    // Scaled mode: the hubs must share the devices (one broker), the history and the accounts.
    if (known.MQTT_URL === undefined) issues.push('REDIS_URL: scaled mode needs MQTT_URL (one broker shared by the hubs, not an embedded one each)');
    if (known.DATABASE_URL === undefined) issues.push('REDIS_URL: scaled mode needs DATABASE_URL (history and accounts shared by the hubs)');
    if (r.success && r.data.SIM) issues.push('REDIS_URL: set SIM=off in scaled mode (run the simulator once, `npm run sim`, not in every hub)');
  }
  if (!r.success || issues.length > 0) throw new ConfigError(issues);
  return { ...r.data, mqttPortExplicit: known.MQTT_PORT !== undefined };
}

/** For entry points: the configuration, or the list of every bad variable on stderr and exit code 2. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
}
