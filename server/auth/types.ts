/**
 * What the realtime and HTTP layers need from authentication (server/auth/ implements it).
 */
import type { IncomingMessage } from 'node:http';
import type { Principal } from '../../protocol/index.ts';

export interface Authenticator {
  /**
   * Who made this request (HTTP, or the Socket.IO handshake request): the session cookie, or a
   * display token in the query (`?display=TOKEN`). Null when anonymous or the credential is invalid,
   * expired or revoked.
   */
  principalOf(req: IncomingMessage): Principal | null;
}
