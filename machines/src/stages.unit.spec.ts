import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { beatsOf, eventTypeInfo, sequenceIds, type SequenceId } from '@self-healing/schemas';
import { happyPath } from './sequenceMachine.js';
import { stageMachines } from './stages.js';

/**
 * Holds machines and contracts together: a built stage's machine runs its sequence's beats in order, each
 * beat's event has a schema on the stage's topic, and unknown events change nothing.
 */
describe.each(Object.entries(stageMachines))('the %s machine', (id, { machine }) => {
  const beats = beatsOf(id as SequenceId);

  it('follows its sequence beat for beat', () => {
    expect(happyPath(machine, { id, beats })).toEqual(beats.map((b) => b.handler));
  });

  it("asks for each beat in turn when driven by the beats' own events, and ends completed", () => {
    let [snapshot] = initialTransition(machine);
    const trigger =
      (machine.config.states as Record<string, { on?: Record<string, unknown> }>).idle?.on ?? {};
    let [next, actions] = transition(machine, snapshot, { type: Object.keys(trigger)[0]! } as never);
    const asked: string[] = [];
    for (const beat of beats) {
      const run = (actions as unknown as Array<{ type: string; params?: { handler: string } }>).find(
        (a) => a.type === 'runBeat',
      );
      asked.push(run?.params?.handler ?? '-');
      snapshot = next;
      [next, actions] = transition(machine, snapshot, { type: beat.event, payload: {} } as never);
    }
    expect(asked).toEqual(beats.map((b) => b.handler));
    expect(next.value).toBe('completed');
    expect(next.status).toBe('done');
  });

  it('has a registered schema for every beat event, on one topic', () => {
    const topics = new Set(beats.map((b) => eventTypeInfo(b.event)?.topic));
    expect(beats.every((b) => eventTypeInfo(b.event))).toBe(true);
    expect(topics.size).toBe(1);
  });
});

describe('stage coverage', () => {
  it('only lists stages that exist in the contracts', () => {
    for (const id of Object.keys(stageMachines)) expect(sequenceIds).toContain(id);
  });
});
