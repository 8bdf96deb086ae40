import { avscFiles } from '@self-healing/schemas';
import type { EventContract } from '@self-healing/shared';

const eventMeta = avscFiles().get('selfhealing.EventMeta.avsc');

/** The contract of a test stage's event: the platform's envelope around a payload of the given fields. */
export function testContract(type: string, topic: string, payloadFields: object[]): EventContract {
  const fullName = `selfhealing.test.${type}`;
  return {
    type,
    topic,
    subject: `${topic}-${fullName}`,
    schema: {
      type: 'record',
      name: type,
      namespace: 'selfhealing.test',
      fields: [
        { name: 'meta', type: eventMeta },
        { name: 'payload', type: { type: 'record', name: `${type}Payload`, fields: payloadFields } },
      ],
    },
  };
}
