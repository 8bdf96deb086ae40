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

/** The payload fields of a test stage's Failed event, as the runtime writes it (error record named `<prefix>Error`). */
export function failedPayloadFields(prefix: string): object[] {
  return [
    { name: 'beat', type: 'int' },
    { name: 'handler', type: 'string' },
    {
      name: 'error',
      type: {
        type: 'record',
        name: `${prefix}Error`,
        fields: [
          { name: 'category', type: 'string' },
          { name: 'code', type: 'string' },
          { name: 'message', type: 'string' },
          { name: 'stack', type: ['null', 'string'], default: null },
        ],
      },
    },
    { name: 'attempts', type: 'int' },
    { name: 'lastEventId', type: ['null', 'string'], default: null },
  ];
}
