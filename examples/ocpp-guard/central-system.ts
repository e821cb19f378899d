// A tiny OCPP 1.6-J Central System for the ocpp-guard example: it accepts charge points on
// ws://HOST:PORT/ocpp/{chargePointId} (subprotocol ocpp1.6), answers their CALLs and logs every
// frame. MeterValues are answered after --slow-ms, so there is time to kill it mid-CALL.
//   npx node examples/ocpp-guard/central-system.ts --name cs-a --port 9201 --slow-ms 4000
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { type WebSocket, WebSocketServer } from 'ws';

const { values: args } = parseArgs({
  options: {
    name: { type: 'string', default: 'cs' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '9201' },
    'slow-ms': { type: 'string', default: '0' },
  },
});
const name = args.name;
const slowMs = Number(args['slow-ms']);

/** The CALLRESULT payload for an action, or undefined when this Central System does not implement it. */
function answer(action: string, payload: Record<string, unknown>): object | undefined {
  const currentTime = new Date().toISOString();
  switch (action) {
    case 'BootNotification':
      return { status: 'Accepted', currentTime, interval: 300 };
    case 'Heartbeat':
      return { currentTime };
    case 'Authorize':
      return { idTagInfo: { status: 'Accepted' } };
    case 'StartTransaction':
      return { transactionId: Math.floor(Math.random() * 1e6), idTagInfo: { status: 'Accepted' } };
    case 'StopTransaction':
      return payload.idTag === undefined ? {} : { idTagInfo: { status: 'Accepted' } };
    case 'DataTransfer':
      return { status: 'Accepted' };
    case 'StatusNotification':
    case 'MeterValues':
      return {};
    default:
      return undefined;
  }
}

function onCall(ws: WebSocket, cp: string, frame: unknown[]): void {
  const [, id, action, payload] = frame as [2, string, string, Record<string, unknown>];
  const result = answer(action, payload ?? {});
  const reply =
    result === undefined
      ? [4, id, 'NotImplemented', `${name} does not implement ${action}`, {}]
      : [3, id, result];
  // A real Central System acts on a request once per uniqueId (a replayed CALL is not a new one).
  const send = () => {
    if (ws.readyState !== ws.OPEN) return;
    const text = JSON.stringify(reply);
    ws.send(text);
    console.log(`${name} → ${cp} ${text}`);
  };
  if (action === 'MeterValues' && slowMs > 0) {
    console.log(`${name}   (answering ${action} ${id} in ${slowMs} ms — kill me now to see the failover)`);
    setTimeout(send, slowMs);
  } else send();
}

const server = createServer((_req, res) => {
  res.writeHead(426, { 'content-type': 'text/plain' });
  res.end('OCPP 1.6-J over WebSocket only: ws://…/ocpp/{chargePointId}\n');
});
const wss = new WebSocketServer({
  noServer: true,
  perMessageDeflate: false,
  handleProtocols: (offered) => (offered.has('ocpp1.6') ? 'ocpp1.6' : false),
});

server.on('upgrade', (req, socket, head) => {
  const cp = /^\/ocpp\/([^/?]+)/.exec(req.url ?? '')?.[1];
  if (cp === undefined) {
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    if (ws.protocol !== 'ocpp1.6') {
      ws.close(1002, 'subprotocol ocpp1.6 required');
      return;
    }
    const moved =
      req.headers['x-balancer-reconnect'] === '1' ? ' (moved here by Sluice after a failover)' : '';
    console.log(`${name} ${cp} connected${moved}`);
    ws.on('message', (data, isBinary) => {
      const text = data.toString();
      console.log(`${name} ← ${cp} ${text}`);
      let frame: unknown;
      try {
        frame = isBinary ? undefined : JSON.parse(text);
      } catch {
        frame = undefined;
      }
      if (
        Array.isArray(frame) &&
        frame[0] === 2 &&
        typeof frame[1] === 'string' &&
        typeof frame[2] === 'string'
      ) {
        onCall(ws, cp, frame);
      }
    });
    ws.on('close', (code) => console.log(`${name} ${cp} disconnected (${code})`));
  });
});

server.listen(Number(args.port), args.host, () => {
  const { port } = server.address() as AddressInfo;
  console.log(`${name} listening on ws://${args.host}:${port}/ocpp/{chargePointId}`);
});
