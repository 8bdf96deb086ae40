import { describe, expect, it } from 'vitest';
import { kafkaSourceProblems } from './admin.js';

/** Metadata as a broker would answer it for one raw topic of two partitions. */
const metadata = {
  listTopics: () => Promise.resolve(['raw', 'stage.events']),
  fetchTopicOffsets: (topic: string) =>
    topic === 'raw'
      ? Promise.resolve([
          { partition: 0, offset: '10', high: '10', low: '0' },
          { partition: 1, offset: '7', high: '7', low: '3' },
        ])
      : Promise.reject(new Error(`offsets of ${topic} asked for`)),
};

describe('a parse source is checked before it is read', () => {
  it('given ranges the topic holds, then there is no problem', async () => {
    expect(
      await kafkaSourceProblems(metadata, 'raw', [{ partition: 1, fromOffset: 3, toOffset: 7 }]),
    ).toEqual([]);
  });

  it('given a topic that does not exist, then it is refused without asking for its offsets', async () => {
    expect(
      await kafkaSourceProblems(metadata, 'nope', [{ partition: 0, fromOffset: 0, toOffset: 1 }]),
    ).toEqual([{ code: 'no-such-topic', message: 'topic nope does not exist' }]);
  });

  it('given a platform topic, then it is refused as not telemetry', async () => {
    const problems = await kafkaSourceProblems(metadata, 'stage.events', [], new Set(['stage.events']));
    expect(problems.map((p) => p.code)).toEqual(['platform-topic']);
  });

  it('given a missing partition, offsets past the end and offsets retention removed, then each is named', async () => {
    const problems = await kafkaSourceProblems(metadata, 'raw', [
      { partition: 0, fromOffset: 5, toOffset: 99 },
      { partition: 1, fromOffset: 0, toOffset: 5 },
      { partition: 4, fromOffset: 0, toOffset: 1 },
    ]);
    expect(problems.map((p) => p.code)).toEqual(['offsets-past-end', 'offsets-gone', 'no-such-partition']);
    expect(problems[2]!.message).toBe('raw has partitions 0..1, not 4');
  });
});
