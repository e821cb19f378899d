// The ocpp-guard example end to end, as its README runs it: two Central Systems, Sluice on
// examples/ocpp-guard/sluice.yaml, and the scripted charge point; one Central System is killed
// while it holds a MeterValues CALL, and the answer comes from the other one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ExampleProcess, startBackend, startScript, startSluice } from './example-process.ts';

const DIR = 'examples/ocpp-guard';

test('ocpp-guard: boot, limited heartbeats, a CALLERROR for an invalid CALL, and a CALL re-sent across a failover', async (t) => {
  const procs: ExampleProcess[] = [];
  t.after(() => {
    for (const p of procs) p.stop();
  });
  const csA = await startBackend(`${DIR}/central-system.ts`, ['--name', 'cs-a', '--slow-ms', '1500']);
  procs.push(csA.proc);
  const csB = await startBackend(`${DIR}/central-system.ts`, ['--name', 'cs-b', '--slow-ms', '1500']);
  procs.push(csB.proc);
  const sluice = await startSluice(`${DIR}/sluice.yaml`, { CS_A_URL: csA.url, CS_B_URL: csB.url });
  procs.push(sluice.proc);
  const cp = startScript(`${DIR}/charge-point.ts`, [
    '--url',
    `${sluice.url}/ocpp/CP-E2E`,
    '--meter-every',
    '60',
    '--answer-timeout',
    '15',
  ]);
  procs.push(cp);
  const centralSystems = () => csA.proc.output() + csB.proc.output();

  // boot: answered by a Central System
  await cp.waitFor(/← \[3,"1",\{"status":"Accepted"/);
  assert.match(centralSystems(), /← CP-E2E \[2,"1","BootNotification"/);

  // 4 heartbeats are all answered, but only the first 2 reached a Central System
  await cp.waitFor(/← \[3,"5",\{"currentTime":"\d{4}-/);
  const heartbeats = centralSystems()
    .split('\n')
    .filter((l) => /← CP-E2E \[2,"\d+","Heartbeat"/.test(l));
  assert.deepEqual(
    heartbeats.map((l) => /\[2,"(\d+)"/.exec(l)?.[1]),
    ['2', '3'],
  );

  // the invalid StatusNotification gets a CALLERROR from Sluice and never reaches a Central System
  await cp.waitFor(/← \[4,"6","PropertyConstraintViolation","\[3\]\.status must be one of/);
  assert.doesNotMatch(centralSystems(), /\[2,"6"/);
  await cp.waitFor(/← \[3,"7",\{\}\]/);
  assert.match(centralSystems(), /← CP-E2E \[2,"7","StatusNotification"/);

  // MeterValues 8 reaches a Central System, which holds it 1.5 s: kill that one now
  const heard = [csA, csB].map((cs) => cs.proc.waitFor(/← CP-E2E \[2,"8","MeterValues"/).then(() => cs));
  for (const h of heard) h.catch(() => {}); // the other wait ends when its process does, or times out
  const victim = await Promise.race(heard);
  const survivor = victim === csA ? csB : csA;
  victim.proc.stop();

  // Sluice moves the session to the other one and re-sends the unanswered CALL; it answers
  await survivor.proc.waitFor(/CP-E2E connected \(moved here by Sluice after a failover\)/);
  await survivor.proc.waitFor(/← CP-E2E \[2,"8","MeterValues"/);
  await cp.waitFor(/← \[3,"8",\{\}\]/, 10_000);
  const survivorId = survivor === csA ? 'cs-a' : 'cs-b';
  assert.match(
    sluice.proc.output(),
    new RegExp(`re-sending 1 unanswered request\\(s\\) to backend ${survivorId}`),
  );
  assert.equal(cp.lines(/← \[3,"8"/).length, 1, 'the charge point gets the answer once');
  assert.doesNotMatch(cp.output(), /closed \d+/, 'the charge point stayed connected');
});
