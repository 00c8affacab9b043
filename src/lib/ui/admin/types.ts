/** The admin view's data: the REST contract lives in protocol/api.ts. */
export type { Health, AlarmKpis, QuarantineEntry, AuditEntry, UserEntry, DisplayEntry, CreatedDisplay } from '../../../../protocol/index.ts';
