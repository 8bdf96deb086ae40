import { arrayOf, timestampMillis } from './dsl.js';
import { payload } from './common.js';
import { NS as COMMAND_NS } from './command.js';

/**
 * Events of the stage runtime itself rather than of one beat: a run that waits, and the timer that wakes it.
 * A stage whose sequence declares waits (see `Wait` in sequences.ts) has its own `<Stage>Waiting` on its topic.
 */

/** `<Stage>Waiting`: a beat ended in a wait instead of its event; the run resumes with that beat. */
export function waitingPayload<const NSS extends string, const T extends string>(
  namespace: NSS,
  type: T,
  what: string,
) {
  return payload(
    namespace,
    type,
    `A beat of ${what} waits for an outside event or a time; when one comes, the same beat runs again.`,
    [
      { name: 'beat', type: 'int', doc: 'Number of the beat that waits.' },
      { name: 'handler', type: 'string' },
      {
        name: 'for',
        type: arrayOf('string'),
        doc: 'Outside event types that end the wait; empty when only the time ends it (a timer).',
      },
      {
        name: 'until',
        type: timestampMillis,
        doc: 'The deadline of the wait, or the time the timer wakes the run.',
      },
      { name: 'reason', type: 'string', doc: 'What the run waits for, in words, for operators.' },
    ],
  );
}

/** Commands the runtime's timer scheduler writes: the deadline of a wait has passed, or its timer is due. */
export const runtimeCommandPayloads = {
  WakeUpCommand: payload(
    COMMAND_NS,
    'WakeUpCommand',
    'A waiting run is due: its deadline passed or its timer rang. Fired at least once; the run acts on it once.',
    [
      { name: 'sequenceId', type: 'string', doc: 'The stage whose run waits, e.g. deployment.deploy.' },
      { name: 'waitSeq', type: 'int', doc: 'seq of the `<Stage>Waiting` event this timer belongs to.' },
      { name: 'beat', type: 'int' },
      { name: 'handler', type: 'string' },
      { name: 'dueAt', type: timestampMillis },
    ],
  ),
} as const;
