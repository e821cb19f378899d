// A free TCP port on 127.0.0.1, for servers that cannot be told to pick one (nginx, HAProxy).
import { createServer } from 'node:net';

/** Asks the kernel for a free port and releases it (a small race, fine on a bench machine). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
