import { InvalidArgumentError } from '@snn/errors';

/** Where the queue lives: what `--queue redis://HOST:PORT[/DB]` names. */
export interface RedisAddress {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
}

/** Parses `redis://[user:password@]HOST[:PORT][/DB]` (port 6379 and database 0 by default). */
export function parseRedisUrl(url: string, flag = '--queue'): RedisAddress {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InvalidArgumentError(flag, `"${url}" is not a URL; give the Redis server as redis://HOST:PORT[/DB], e.g. redis://127.0.0.1:6379/0`);
  }
  if (u.protocol !== 'redis:') throw new InvalidArgumentError(flag, `"${url}" must start with redis:// (redis://HOST:PORT[/DB], e.g. redis://127.0.0.1:6379/0; TLS and sockets are not supported here)`);
  if (!u.hostname) throw new InvalidArgumentError(flag, `"${url}" names no host; e.g. redis://127.0.0.1:6379/0`);
  const port = u.port ? Number(u.port) : 6379;
  const path = u.pathname.replace(/^\//, '');
  const db = path === '' ? 0 : Number(path);
  if (!(Number.isInteger(db) && db >= 0 && db < 16384)) throw new InvalidArgumentError(flag, `"${url}": the database after the port must be a whole number (redis://HOST:PORT/DB), got "${path}"`);
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
  };
}

/**
 * ioredis options for BullMQ. `maxRetriesPerRequest: null` is what BullMQ requires of workers (a blocking
 * command must wait out a Redis restart instead of failing); reconnects back off to at most 2 s, forever.
 */
export function connectionOptions(address: RedisAddress) {
  return {
    ...address,
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times: number) => Math.min(100 * times, 2000),
  };
}
