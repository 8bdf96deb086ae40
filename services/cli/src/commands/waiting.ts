import type { Command } from 'commander';
import { WaitStore } from '@self-healing/shared';
import { withMongo } from '../context.js';
import { formatTime, printJson, printTable } from '../output.js';

/**
 * `healctl waiting`: every run that waits now (for an approval, CI, an observation window), what it waits for and
 * until when, soonest first. Read from the stored waits the stages' runtime keeps (see WaitStore).
 */
export function registerWaitingCommand(program: Command): void {
  program
    .command('waiting')
    .description('runs that wait for an outside event or a time: what for, and until when')
    .option('--stage <sequenceId>', 'only this stage, e.g. deployment.deploy')
    .option('--json', 'machine-readable output')
    .action(async (opts: { stage?: string; json?: boolean }) => {
      await withMongo(async (db) => {
        const waits = await new WaitStore(db).waiting(opts.stage);
        if (opts.json)
          return printJson(
            waits.map((w) => ({
              stage: w.stage,
              incidentId: w.incidentId,
              beat: w.beat,
              handler: w.handler,
              waitsFor: w.for,
              until: w.until,
              reason: w.reason,
              due: w.firedAt !== null,
            })),
          );
        printTable(
          waits.map((w) => ({
            stage: w.stage,
            incident: w.incidentId,
            beat: `${w.beat} ${w.handler}`,
            'waits for': w.for.length ? `${w.for.join(' or ')}, until` : 'a timer, at',
            until: formatTime(w.until),
            reason: w.reason,
          })),
          ['stage', 'incident', 'beat', 'waits for', 'until', 'reason'],
        );
      });
    });
}
