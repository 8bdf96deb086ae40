import type { Command } from 'commander';
import { buildCommand } from '@self-healing/shared';
import type { PayloadOf } from '@self-healing/schemas';
import { codecFor, topicNames, withKafka } from '../context.js';
import { CliError, printJson } from '../output.js';

/** `healctl diagnose <incident>`: asks diagnosis.analyze for a diagnosis of an incident (AnalyzeIncidentCommand). */
export function registerDiagnoseCommand(program: Command): void {
  program
    .command('diagnose <incident>')
    .description(
      'ask the diagnosis stage to diagnose an incident (its result: healctl incidents show <incident>)',
    )
    .option('--comment <text>', 'why, for the audit trail')
    .option('--json', 'machine-readable output')
    .action(async (incident: string, opts: { comment?: string; json?: boolean }) => {
      if (!/^[A-Za-z0-9._:-]{1,200}$/.test(incident))
        throw new CliError(`not an incident id: ${JSON.stringify(incident.slice(0, 60))}`, 2);
      await withKafka(async (kafka, e) => {
        const payload: PayloadOf<'AnalyzeIncidentCommand'> = {
          incidentId: incident,
          requestedBy: `user:${process.env.USER ?? 'unknown'}`,
          comment: opts.comment ?? null,
        };
        const command = buildCommand('AnalyzeIncidentCommand', payload, incident, 'healctl');
        const codec = codecFor(e.schemaRegistryUrl);
        const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
        await producer.connect();
        try {
          await producer.send({
            topic: topicNames().commands,
            acks: -1,
            messages: [{ key: incident, value: await codec.encode(command) }],
          });
        } finally {
          await producer.disconnect();
        }
        if (opts.json)
          printJson({ sent: 'AnalyzeIncidentCommand', incidentId: incident, eventId: command.meta.eventId });
        else process.stdout.write(`asked for a diagnosis of ${incident} (command ${command.meta.eventId})\n`);
      });
    });
}
