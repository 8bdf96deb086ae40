import type { Producer } from 'kafkajs';
import { deploymentRecordedSchema } from '@self-healing/schemas';
import type { RegistryCodec } from '@self-healing/shared';
import type { DeploymentRecord, DeploymentRecorder } from './record.js';

/**
 * Publishes DeploymentRecorded on the deployments topic (Avro, Confluent wire format, registered under
 * `<topic>-selfhealing.target.DeploymentRecorded`). Keyed `<service>/<environment>` so one service's actions stay
 * in order; `deploymentId` lets consumers drop a record published twice.
 */
export class KafkaDeploymentRecorder implements DeploymentRecorder {
  constructor(
    private readonly producer: Producer,
    private readonly codec: RegistryCodec,
    private readonly topic: string,
    private readonly subject: string,
  ) {}

  async record(record: DeploymentRecord): Promise<void> {
    const value = await this.codec.encodeRecord(this.subject, deploymentRecordedSchema, record);
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: [{ key: `${record.service}/${record.environment}`, value }],
    });
  }
}
