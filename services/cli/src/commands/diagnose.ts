import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { buildCommand } from '@self-healing/shared';
import type { PayloadOf } from '@self-healing/schemas';
import { codecFor, topicNames, withKafka } from '../context.js';
import { checkIds, printJson } from '../output.js';

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
      checkIds([incident]);
      const payload: PayloadOf<'AnalyzeIncidentCommand'> = {
        incidentId: incident,
        requestedBy: `user:${process.env.USER ?? 'unknown'}`,
        comment: opts.comment ?? null,
      };
      const eventId = await sendCommand('AnalyzeIncidentCommand', payload, incident);
      if (opts.json) printJson({ sent: 'AnalyzeIncidentCommand', incidentId: incident, eventId });
      else process.stdout.write(`asked for a diagnosis of ${incident} (command ${eventId})\n`);
    });
}

/** `healctl fix <incident> --diagnosis <id> [--remedy <id>...]`: asks fix.generate for a patch (GenerateFixCommand). */
export function registerFixCommand(program: Command): void {
  program
    .command('fix <incident>')
    .description(
      'ask the fix stage for a patch of a diagnosed incident (the result: healctl incidents show <incident>)',
    )
    .requiredOption('--diagnosis <id>', 'the diagnosis to implement (healctl incidents show prints its id)')
    .option('--remedy <id...>', 'remedies of the diagnosis to try, in order (default: its automatable ones)')
    .option('--comment <text>', 'why, for the audit trail')
    .option('--json', 'machine-readable output')
    .action(
      async (
        incident: string,
        opts: { diagnosis: string; remedy?: string[]; comment?: string; json?: boolean },
      ) => {
        checkIds([incident, opts.diagnosis, ...(opts.remedy ?? [])]);
        const payload: PayloadOf<'GenerateFixCommand'> = {
          incidentId: incident,
          diagnosisId: opts.diagnosis,
          recommendationIds: opts.remedy ?? [],
          requestedBy: `user:${process.env.USER ?? 'unknown'}`,
          comment: opts.comment ?? null,
        };
        const eventId = await sendCommand('GenerateFixCommand', payload, incident);
        if (opts.json) printJson({ sent: 'GenerateFixCommand', incidentId: incident, eventId });
        else process.stdout.write(`asked for a fix of ${incident} (command ${eventId})\n`);
      },
    );
}

/** `healctl validate <incident> --patch <id>`: asks validation.run to prove a patch (ValidateFixCommand). */
export function registerValidateCommand(program: Command): void {
  program
    .command('validate <incident>')
    .description(
      'ask the validation stage to run a patch’s checks in a sandbox (the verdict: healctl incidents show <incident>)',
    )
    .requiredOption('--patch <id>', 'the patch to validate (healctl incidents show prints its id)')
    .option('--comment <text>', 'why, for the audit trail')
    .option('--json', 'machine-readable output')
    .action(async (incident: string, opts: { patch: string; comment?: string; json?: boolean }) => {
      checkIds([incident, opts.patch]);
      const payload: PayloadOf<'ValidateFixCommand'> = {
        incidentId: incident,
        patchId: opts.patch,
        requestedBy: `user:${process.env.USER ?? 'unknown'}`,
        comment: opts.comment ?? null,
      };
      const eventId = await sendCommand('ValidateFixCommand', payload, incident);
      if (opts.json) printJson({ sent: 'ValidateFixCommand', incidentId: incident, eventId });
      else process.stdout.write(`asked for a validation of ${opts.patch} (command ${eventId})\n`);
    });
}

/** Sends one command to the platform's commands topic, keyed by incident; its event id. */
export async function sendCommand<P>(type: string, payload: P, incident: string): Promise<string> {
  return withKafka(async (kafka, e) => {
    // Each operator command is an intent of its own: without an id of its own, every command about one incident
    // (approve, then rollback, then dismiss) would carry the same id and the later ones be taken for redeliveries.
    const command = buildCommand(type, payload, incident, 'healctl', randomUUID());
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
    return command.meta.eventId;
  });
}
