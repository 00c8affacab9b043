// Typed TraCI failure: every protocol problem (SUMO answered status != OK, the connection closed or
// a message was shorter than its declared length, an unknown value type) carries the command it
// belongs to, so a controller log says *which* call failed and SUMO's own reason.

export type TraciErrorKind = 'status' | 'protocol' | 'connection' | 'timeout';

export class TraciError extends Error {
  readonly kind: TraciErrorKind;
  /** TraCI command id (e.g. 0xa2 trafficlight.get), -1 when not tied to one command */
  readonly commandId: number;
  readonly commandName: string;
  /** SUMO's description from the status response (kind 'status'), else '' */
  readonly sumoMessage: string;
  /** status result code (0xff error, 0x01 not implemented) for kind 'status', else -1 */
  readonly resultCode: number;

  constructor(
    kind: TraciErrorKind,
    message: string,
    opts: { commandId?: number; commandName?: string; sumoMessage?: string; resultCode?: number } = {},
  ) {
    const name = opts.commandName ?? '';
    super(name ? `TraCI ${name}: ${message}` : `TraCI: ${message}`);
    this.name = 'TraciError';
    this.kind = kind;
    this.commandId = opts.commandId ?? -1;
    this.commandName = name;
    this.sumoMessage = opts.sumoMessage ?? '';
    this.resultCode = opts.resultCode ?? -1;
  }
}
