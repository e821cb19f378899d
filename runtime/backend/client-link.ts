// Turns a socket whose upgrade handshake Sluice completed itself into a ws WebSocket in client
// mode (masks what it sends, expects unmasked frames). This is what ws's WebSocketServer does for
// a server connection (`new WebSocket(null)` + `setSocket`), with the client flag: ws has no
// public way to adopt a client socket, and its own client handshake (URL parsing, a
// ClientRequest, the HTTP parser) was most of the proxy's time in a failover.
import type { Duplex } from 'node:stream';
import * as ws from 'ws';

/** ws's client defaults (lib/websocket.js initAsClient), which the dialled links had before. */
const CLOSE_TIMEOUT_MS = 30_000;
const MAX_BUFFERED_CHUNKS = 256 * 1024;
const MAX_FRAGMENTS = 16 * 1024;
const MAX_PENDING_AUTO_PONGS = 60;

/** The parts of ws used here that its type definitions do not declare. */
interface WebSocketInternals {
  _isServer: boolean;
  _protocol: string;
  _extensions: Record<string, unknown>;
  setSocket(socket: Duplex, head: Buffer, options: object): void;
}
type LinkConstructor = new (address: null, protocols: undefined, options: object) => ws.WebSocket;

export interface PerMessageDeflate {
  offer(): object;
  accept(params: object[]): object;
}
interface WsExtras {
  PerMessageDeflate: new (options: { isServer: boolean; maxPayload: number }) => PerMessageDeflate;
  extension: {
    format(extensions: Record<string, object>): string;
    parse(header: string): Record<string, object[]>;
  };
}
const extras = ws as unknown as WsExtras;

export const PERMESSAGE_DEFLATE = 'permessage-deflate';

/** A permessage-deflate offer for a backend hop with compression on. */
export function deflateOffer(maxPayload: number): { pmd: PerMessageDeflate; header: string } {
  const pmd = new extras.PerMessageDeflate({ isServer: false, maxPayload });
  return { pmd, header: extras.extension.format({ [PERMESSAGE_DEFLATE]: pmd.offer() }) };
}

/** Parses a Sec-WebSocket-Extensions answer; throws on a malformed header. */
export function parseExtensions(header: string): Record<string, object[]> {
  return extras.extension.parse(header);
}

/** The open WebSocket over `socket`; `head` holds frames that arrived with the 101. */
export function adoptClientSocket(
  socket: Duplex,
  head: Buffer,
  link: { protocol: string; maxPayload: number; deflate: PerMessageDeflate | undefined },
): ws.WebSocket {
  const socketLink = new (ws.WebSocket as unknown as LinkConstructor)(null, undefined, {
    autoPong: true,
    maxPendingAutoPongs: MAX_PENDING_AUTO_PONGS,
    closeTimeout: CLOSE_TIMEOUT_MS,
  });
  const internals = socketLink as unknown as WebSocketInternals;
  // Only fields the constructor already made are set, so a backend link keeps the same hidden
  // class as a client connection and ws's hot functions stay monomorphic.
  internals._isServer = false;
  internals._protocol = link.protocol;
  if (link.deflate) internals._extensions[PERMESSAGE_DEFLATE] = link.deflate;
  internals.setSocket(socket, head, {
    allowSynchronousEvents: true,
    maxBufferedChunks: MAX_BUFFERED_CHUNKS,
    maxFragments: MAX_FRAGMENTS,
    maxPayload: link.maxPayload,
    skipUTF8Validation: false,
  });
  return socketLink;
}
