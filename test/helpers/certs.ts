// Test certificates made with the openssl command line: a CA, and leaf certificates it signs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCa {
  dir: string;
  caCert: string;
  caKey: string;
  /** Issues a certificate for 127.0.0.1/localhost; returns the cert and key file paths. */
  issue(name: string): { cert: string; key: string };
}

/** Creates a throwaway CA in a temp folder. */
export function createCa(): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-ca-'));
  const caKey = join(dir, 'ca.key');
  const caCert = join(dir, 'ca.pem');
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    caKey,
    '-out',
    caCert,
    '-days',
    '2',
    '-subj',
    '/CN=Sluice Test CA',
  ]);
  return {
    dir,
    caCert,
    caKey,
    issue(name) {
      const key = join(dir, `${name}.key`);
      const csr = join(dir, `${name}.csr`);
      const cert = join(dir, `${name}.pem`);
      const ext = join(dir, `${name}.ext`);
      writeFileSync(
        ext,
        'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n',
      );
      openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${name}`]);
      openssl([
        'x509',
        '-req',
        '-in',
        csr,
        '-CA',
        caCert,
        '-CAkey',
        caKey,
        '-CAcreateserial',
        '-out',
        cert,
        '-days',
        '2',
        '-extfile',
        ext,
      ]);
      return { cert, key };
    },
  };
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore' });
}
