// Process signals: the first SIGTERM/SIGINT drains (exit 0 when done or at the deadline); a
// second one exits at once.
import type { Logger } from './log.ts';
import type { Sluice } from './sluice.ts';

/** Installs SIGTERM/SIGINT handlers that drain `sluice` and exit 0. */
export function exitOnSignals(sluice: Sluice, logger: Logger): void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(0);
    }
    signalled = true;
    logger.info({ signal, sessions: sluice.frontend.sessions.size }, 'draining');
    sluice.shutdown().then(
      () => {
        logger.info('stopped');
        logger.flush?.();
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(0);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/**
 * A bug in one session's event handler must not drop every other session: log it loudly and
 * keep serving (the session concerned is usually closed by its socket error anyway).
 */
export function surviveInternalErrors(logger: Logger): void {
  process.on('uncaughtException', (err) => {
    logger.error({ err }, 'internal error: kept serving (please report this)');
  });
  process.on('unhandledRejection', (err) => {
    logger.error({ err }, 'internal error (promise): kept serving (please report this)');
  });
}
