// A scripted OCPP 1.6-J charge point for the ocpp-guard example. It connects through Sluice, boots,
// sends heartbeats faster than allowed, one invalid CALL and a valid one, then MeterValues every
// --meter-every seconds. Every frame is printed: → sent, ← received (with the time it took).
//   npx node examples/ocpp-guard/charge-point.ts --url ws://127.0.0.1:8080/ocpp/CP-1
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string', default: 'ws://127.0.0.1:8080/ocpp/CP-1' },
    heartbeats: { type: 'string', default: '4' },
    'meter-every': { type: 'string', default: '10' },
    'answer-timeout': { type: 'string', default: '30' },
  },
});

const ws = new WebSocket(args.url, 'ocpp1.6');
const pending = new Map<string, { sent: number; resolve: (frame: unknown[]) => void }>();
let nextId = 1;

/** Sends a CALL and resolves with its CALLRESULT or CALLERROR (OCPP: one CALL outstanding at a time). */
function call(action: string, payload: object): Promise<unknown[]> {
  const id = String(nextId++);
  const text = JSON.stringify([2, id, action, payload]);
  ws.send(text);
  console.log(`→ ${text}`);
  const timeoutMs = Number(args['answer-timeout']) * 1000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new Error(`no answer to ${action} ${id} within ${timeoutMs} ms`));
    }, timeoutMs);
    pending.set(id, {
      sent: performance.now(),
      resolve: (frame) => {
        clearTimeout(timer);
        resolve(frame);
      },
    });
  });
}

ws.on('message', (data) => {
  const text = data.toString();
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    console.log(`← ${text}  (not JSON)`);
    return;
  }
  const id = Array.isArray(frame) ? frame[1] : undefined;
  const waiting = typeof id === 'string' ? pending.get(id) : undefined;
  if (!Array.isArray(frame) || (frame[0] !== 3 && frame[0] !== 4) || waiting === undefined) {
    console.log(`← ${text}  (unexpected)`);
    return;
  }
  pending.delete(id as string);
  console.log(`← ${text}  (${Math.round(performance.now() - waiting.sent)} ms)`);
  waiting.resolve(frame);
});

ws.on('close', (code, reason) => {
  console.log(`closed ${code} ${reason.toString()}`);
  process.exit(code === 1000 ? 0 : 1);
});
ws.on('error', (err) => {
  console.error(`charge point: ${err.message} (is Sluice running on ${args.url}?)`);
  process.exit(1);
});

ws.on('open', async () => {
  console.log(`connected to ${args.url} (subprotocol ${ws.protocol})`);
  try {
    console.log('# boot');
    await call('BootNotification', { chargePointVendor: 'Sluice', chargePointModel: 'Demo-22kW' });
    console.log(
      '# heartbeats back to back: the first ones reach the Central System, the rest Sluice answers',
    );
    for (let i = 0; i < Number(args.heartbeats); i++) await call('Heartbeat', {});
    console.log('# an invalid StatusNotification ("Sleeping" is not a status): Sluice answers a CALLERROR');
    await call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Sleeping' });
    console.log('# a valid StatusNotification');
    await call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' });
    console.log(`# MeterValues every ${args['meter-every']} s (Ctrl-C to stop)`);
    for (let wh = 1000; ; wh += 250) {
      await call('MeterValues', {
        connectorId: 1,
        meterValue: [
          {
            timestamp: new Date().toISOString(),
            sampledValue: [{ value: String(wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }],
          },
        ],
      });
      await new Promise((resolve) => setTimeout(resolve, Number(args['meter-every']) * 1000));
    }
  } catch (err) {
    console.error(`charge point: ${(err as Error).message}`);
    process.exit(1);
  }
});
