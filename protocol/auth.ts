/**
 * Users, roles and what each role may see and do: the one table the hub enforces and the dashboard
 * uses to hide what a role cannot do (security never depends on the hiding).
 */
import { z } from 'zod';
import type { Family } from './realtime.ts';

export const ROLES = ['operator', 'fire', 'utility', 'admin', 'wall'] as const;
export type Role = z.infer<typeof RoleSchema>;
export const RoleSchema = z.enum(ROLES);

/** Who is connected: a user with a role, or a wall display (token, read-only, public data). */
export interface Principal {
  kind: 'user' | 'display';
  /** Username, or the display token's id (never the token itself). */
  name: string;
  role: Role;
}

/**
 * Families each role may subscribe to. `wall` gets public data only: no drone (video or position),
 * no alarms, no lamp faults with device detail.
 */
export const FAMILY_ACCESS: Record<Family, readonly Role[]> = {
  tls: ['operator', 'fire', 'utility', 'admin', 'wall'],
  links: ['operator', 'fire', 'utility', 'admin', 'wall'],
  transit: ['operator', 'fire', 'utility', 'admin', 'wall'],
  parking: ['operator', 'fire', 'utility', 'admin', 'wall'],
  environment: ['operator', 'fire', 'utility', 'admin', 'wall'],
  construction: ['operator', 'fire', 'utility', 'admin', 'wall'],
  alarms: ['operator', 'fire', 'utility', 'admin'],
  lighting: ['utility', 'admin', 'operator'],
  lampFaults: ['utility', 'admin'],
  drone: ['fire', 'admin'],
  /** Proposals and control states of the signal installations: for those who may act on them. */
  control: ['operator', 'admin'],
};

/** Control actions and who may take them; every one is also rate-limited and audited. */
export const ACTIONS = {
  'alarm.ack': ['operator', 'fire', 'utility', 'admin'],
  'alarm.shelve': ['operator', 'fire', 'utility', 'admin'],
  'alarm.unshelve': ['operator', 'fire', 'utility', 'admin'],
  'plan.approve': ['operator', 'admin'],
  'plan.override': ['operator', 'admin'],
  'control.mode': ['operator', 'admin'],
  'users.manage': ['admin'],
  'displays.manage': ['admin'],
  'quarantine.read': ['admin'],
  'audit.read': ['admin'],
} as const satisfies Record<string, readonly Role[]>;
export type Action = keyof typeof ACTIONS;

/** Where each role's dashboard starts (the admin works in the operators' view and on /admin). */
export const ROLE_HOME: Record<Role, string> = { operator: '/ops', fire: '/fire', utility: '/utility', admin: '/ops', wall: '/wall' };

export const canSee = (p: Principal | null, f: Family): boolean => !!p && FAMILY_ACCESS[f].includes(p.role);
export const canDo = (p: Principal | null, a: Action): boolean => !!p && (ACTIONS[a] as readonly Role[]).includes(p.role);

export const LoginRequest = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

/** Answer of POST /api/auth/login and GET /api/auth/me. */
export interface SessionInfo {
  user: string;
  role: Role;
  /** Send as header `x-csrf-token` with every state-changing request. */
  csrfToken: string;
}

export const AlarmActionRequest = z.object({
  id: z.string().min(1).max(300),
  reason: z.string().trim().max(500).optional(),
  /** Shelve only: minutes, 1 … 480 (MAX_SHELVE_MS of the alarm engine). */
  durationMin: z.number().int().min(1).max(480).optional(),
});
export type AlarmActionRequest = z.infer<typeof AlarmActionRequest>;

export const CreateUserRequest = z.object({
  username: z.string().regex(/^[a-z0-9][a-z0-9._-]{1,63}$/i),
  password: z.string().min(12).max(256),
  role: RoleSchema.exclude(['wall']),
  disabled: z.boolean().optional(),
});
export type CreateUserRequest = z.infer<typeof CreateUserRequest>;
