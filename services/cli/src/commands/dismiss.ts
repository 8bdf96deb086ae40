import type { Command } from 'commander';
import { ProjectionCatalog } from '@self-healing/projector';
import type { PayloadOf } from '@self-healing/schemas';
import { withMongo } from '../context.js';
import { sendCommand } from './diagnose.js';
import { EXIT } from '../exitCodes.js';
import { CliError, checkIds, printJson } from '../output.js';

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30m`, `12h`, `7d` -> milliseconds; null for anything else. Pure. */
export function parseQuietFor(text: string): number | null {
  const m = /^(\d{1,4})([mhd])$/.exec(text.trim());
  if (!m) return null;
  const ms = Number(m[1]) * UNITS[m[2]!]!;
  return ms > 0 && ms <= 366 * UNITS.d! ? ms : null;
}

/**
 * `healctl dismiss <incident> --reason <text> [--quiet-for 7d]`: an operator's "not a problem". anomaly-detect
 * resolves the incident as dismissed (IncidentResolved on the incidents topic) and, for the quiet time, findings
 * of the incident's templates and subjects open nothing: the detectors' feedback from the people who read them.
 */
export function registerDismissCommand(program: Command): void {
  program
    .command('dismiss <incident>')
    .description('close an incident as not a problem; its templates and subjects stay quiet for a while')
    .requiredOption('--reason <text>', 'why it is not a problem (kept on the incident)')
    .option(
      '--quiet-for <duration>',
      'how long the same findings open nothing: 30m, 12h, 7d (default: the service’s, a week)',
    )
    .option('--json', 'machine-readable output')
    .action(async (incident: string, opts: { reason: string; quietFor?: string; json?: boolean }) => {
      checkIds([incident]);
      const reason = opts.reason.trim();
      if (!reason || reason.length > 500) throw new CliError('--reason: 1 to 500 characters', EXIT.usage);
      const quiet = opts.quietFor === undefined ? null : parseQuietFor(opts.quietFor);
      if (opts.quietFor !== undefined && quiet === null)
        throw new CliError('--quiet-for: minutes, hours or days up to a year, e.g. 30m, 12h, 7d', EXIT.usage);
      const doc = await withMongo(async (db) =>
        (await new ProjectionCatalog(db).collection()).findOne({ _id: incident }),
      );
      if (!doc?.outputs['IncidentOpened'])
        throw new CliError(
          `no incident ${incident} in the projection (is the projector running?)`,
          EXIT.usage,
        );
      if (doc.status === 'resolved') throw new CliError(`${incident} is already resolved`, EXIT.failure);
      const payload: PayloadOf<'DismissIncidentCommand'> = {
        incidentId: incident,
        reason,
        suppressForMs: quiet,
        requestedBy: `user:${process.env.USER ?? 'unknown'}`,
        comment: null,
      };
      const eventId = await sendCommand('DismissIncidentCommand', payload, incident);
      if (opts.json) return printJson({ sent: 'DismissIncidentCommand', ...payload, eventId });
      process.stdout.write(
        `asked to dismiss ${incident} (command ${eventId})\n` +
          `follow it: healctl incidents show ${incident}\n`,
      );
    });
}
