import type { Command } from 'commander';
import { ProjectionCatalog } from '@self-healing/projector';
import type { PayloadOf } from '@self-healing/schemas';
import { withMongo } from '../context.js';
import { deploymentRunOf, type DeploymentRun } from './approve.js';
import { sendCommand } from './diagnose.js';
import { EXIT } from '../exitCodes.js';
import { CliError, checkIds, printJson } from '../output.js';

/**
 * `healctl rollback <incident> --reason <text> [--next-candidate]`: takes the incident's promoted fix out again
 * through deployment.deploy (RollbackDeploymentCommand): a revert pull request, CI, merge and a canary of the
 * revert. The deployment is the incident's latest one that promoted a fix, read from the projection.
 */
export function registerRollbackCommand(program: Command): void {
  program
    .command('rollback <incident>')
    .description('take the incident’s promoted fix out again (revert pull request, CI, merge, canary)')
    .requiredOption('--reason <text>', 'why the fix must go')
    .option('--next-candidate', 'then ask the fix stage for the incident’s next candidate fix')
    .option('--json', 'machine-readable output')
    .action(async (incident: string, opts: { reason: string; nextCandidate?: boolean; json?: boolean }) => {
      checkIds([incident]);
      const reason = opts.reason.trim();
      if (!reason || reason.length > 1000) throw new CliError('--reason: 1 to 1000 characters', EXIT.usage);
      const doc = await withMongo(async (db) =>
        (await new ProjectionCatalog(db).collection()).findOne({ _id: incident }),
      );
      if (!doc)
        throw new CliError(
          `no incident ${incident} in the projection (is the projector running?)`,
          EXIT.usage,
        );
      const promoted = promotedDeployment(deploymentRunOf(doc));
      if (!promoted) throw new CliError(`${incident} has no promoted fix to roll back`, EXIT.failure);
      const payload: PayloadOf<'RollbackDeploymentCommand'> = {
        incidentId: incident,
        deploymentId: promoted,
        reason,
        nextCandidate: opts.nextCandidate === true,
        requestedBy: `user:${process.env.USER ?? 'unknown'}`,
        comment: null,
      };
      const eventId = await sendCommand('RollbackDeploymentCommand', payload, incident);
      if (opts.json) return printJson({ sent: 'RollbackDeploymentCommand', ...payload, eventId });
      process.stdout.write(
        `asked to roll back deployment ${promoted} of ${incident} (command ${eventId})\n` +
          `follow it: healctl incidents show ${incident}\n`,
      );
    });
}

/** The deployment id of the run when it promoted a fix of its own (not a rollback, not rolled back). */
export function promotedDeployment(run: DeploymentRun | null): string | null {
  const done = run?.DeploymentCompleted;
  if (!done || done.outcome !== 'deployed' || done.rollbackOf) return null;
  return done.deploymentId;
}
