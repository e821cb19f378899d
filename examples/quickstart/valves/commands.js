// The quickstart's sample valve. Edit and save it while `npm start` runs: the next message sees
// the new version, and no connection drops.
//   /upper text   → the backend gets TEXT (changed on the way)
//   /count        → Sluice answers itself with how many messages this session sent (dropped)
//   anything else → passes unchanged
export function fromClient(msg, ctx) {
  ctx.state.sent = (ctx.state.sent ?? 0) + 1;
  if (msg.type !== 'text') return undefined;
  if (msg.data.startsWith('/upper ')) return msg.data.slice(7).toUpperCase();
  if (msg.data === '/count') {
    ctx.sendToClient(`you sent ${ctx.state.sent} message(s) on this session`);
    return null;
  }
  return undefined;
}
