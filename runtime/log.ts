// The root logger: JSON lines on stderr (pino), human-readable when stderr is a terminal.
import { pino, type Logger } from 'pino';
import type { LogLevel } from './config/model.ts';

export type { Logger };

const LEVELS: Record<string, LogLevel> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  fatal: 'fatal',
  panic: 'fatal', // wsbalancer's name for its most severe level
};

/** Reads a level name in any case (`ERROR`, `Panic`); undefined when it is not one. */
export function parseLogLevel(value: string): LogLevel | undefined {
  return LEVELS[value.trim().toLowerCase()];
}

export const LOG_LEVEL_NAMES = Object.keys(LEVELS);

/** Creates the process's root logger. */
export function createLogger(level: LogLevel = 'info', destination = 2): Logger {
  const pretty = destination === 2 && process.stderr.isTTY;
  if (pretty) {
    return pino({
      level,
      transport: { target: 'pino-pretty', options: { destination: 2, colorize: true } },
    });
  }
  return pino({ level, base: { pid: process.pid } }, pino.destination({ fd: destination, sync: false }));
}

/** A logger that writes nothing, for embedding and tests. */
export const silentLogger: Logger = pino({ level: 'silent' });
