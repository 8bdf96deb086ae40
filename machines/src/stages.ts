import { beatsOf, sequenceIds, stageContract, type SequenceId } from '@self-healing/schemas';
import { createSequenceMachine, machineVersionOf } from './sequenceMachine.js';
import type { AnyStateMachine } from 'xstate';

export interface StageMachine {
  machine: AnyStateMachine;
  /** Changes whenever the machine does: runners then rebuild cached states from the event log. */
  version: string;
  /** The state the machine is in while running the first beat (where rebuilding from the log starts). */
  firstBeatState: string;
}

const built = new Map<SequenceId, StageMachine>();

/**
 * The names these machines had when their versions were numbered by hand: while a machine's structure is the one
 * that name stood for, the name stays (it is in every event's meta and every cached state), and the first change
 * of its structure moves it to its hash.
 */
const NAMED_BEFORE: Readonly<Record<string, string>> = {
  'telemetry.parse/993891d93871': 'telemetry.parse/1',
};

/**
 * A stage's machine, generated from its contract alone: the sequence's beats and waits (schemas/sequences.ts)
 * and the stage's triggers and ending events (schemas/pipeline.ts). Nothing about a stage is written here.
 */
export function stageMachine(sequenceId: SequenceId): StageMachine {
  const known = built.get(sequenceId);
  if (known) return known;
  const contract = stageContract(sequenceId);
  const beats = beatsOf(sequenceId);
  const machine = createSequenceMachine(
    { id: sequenceId, beats },
    {
      triggers: contract.triggers,
      rejected: contract.rejected,
      failed: contract.failed,
      ...('waiting' in contract ? { waiting: contract.waiting } : {}),
      ...('rounds' in contract ? { rounds: contract.rounds } : {}),
    },
  );
  const hashed = machineVersionOf(machine);
  const made = { machine, version: NAMED_BEFORE[hashed] ?? hashed, firstBeatState: beats[0]!.handler };
  built.set(sequenceId, made);
  return made;
}

/** Every stage's machine, built or not yet: the conformance tests hold each to its contract. */
export const stageMachines = (): Record<SequenceId, StageMachine> =>
  Object.fromEntries(sequenceIds.map((id) => [id, stageMachine(id)])) as Record<SequenceId, StageMachine>;
