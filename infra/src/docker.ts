// The Docker path: containers through testcontainers when a container engine answers. It cannot run on the team's
// machines (no engine), so it is kept small and leans on the maintained testcontainers modules for Kafka and MongoDB.
import type { Endpoints } from './config.js';

export const DOCKER_IMAGES = {
  kafka: 'confluentinc/cp-kafka:7.8.0',
  schemaRegistry: 'confluentinc/cp-schema-registry:7.8.0',
  mongo: 'mongo:7.0',
} as const;

/**
 * True when a container runtime answers within the timeout. `getContainerRuntimeClient()` throws at once when
 * there is no socket and no DOCKER_HOST, but an unreachable DOCKER_HOST can hang, hence the race.
 */
export async function dockerAvailable(timeoutMs = 3_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    return await Promise.race([getContainerRuntimeClient().then(() => true as const), timeout]);
  } catch {
    return false;
  } finally {
    if (timer) clearTimeout(timer);
  }
}

export type DockerInfra = { endpoints: Endpoints; stop(): Promise<void> };

export async function startDockerInfra(): Promise<DockerInfra> {
  const { GenericContainer, Network, Wait } = await import('testcontainers');
  const { KafkaContainer } = await import('@testcontainers/kafka');
  const { MongoDBContainer } = await import('@testcontainers/mongodb');

  const network = await new Network().start();
  const stops: Array<() => Promise<unknown>> = [() => network.stop()];
  const stopAll = async () => {
    // Reverse order: containers before the network they sit on.
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    const [kafka, mongo] = await Promise.all([
      // KRaft; the module advertises BROKER://kafka:9092 inside the network and a mapped port outside.
      new KafkaContainer(DOCKER_IMAGES.kafka)
        .withKraft()
        .withNetwork(network)
        .withNetworkAliases('kafka')
        .start(),
      // Started as a one-member replica set by the module.
      new MongoDBContainer(DOCKER_IMAGES.mongo).start(),
    ]);
    stops.unshift(
      () => kafka.stop(),
      () => mongo.stop(),
    );
    const registry = await new GenericContainer(DOCKER_IMAGES.schemaRegistry)
      .withNetwork(network)
      .withEnvironment({
        SCHEMA_REGISTRY_HOST_NAME: 'schema-registry',
        SCHEMA_REGISTRY_LISTENERS: 'http://0.0.0.0:8081',
        SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS: 'PLAINTEXT://kafka:9092',
      })
      .withExposedPorts(8081)
      .withWaitStrategy(Wait.forHttp('/subjects', 8081).forStatusCode(200))
      .start();
    stops.unshift(() => registry.stop());

    return {
      endpoints: {
        kafkaBrokers: [`${kafka.getHost()}:${kafka.getMappedPort(9093)}`],
        schemaRegistryUrl: `http://${registry.getHost()}:${registry.getMappedPort(8081)}`,
        // directConnection: the replica set advertises the container's internal host name.
        mongodbUri: `${mongo.getConnectionString()}/?directConnection=true`,
      },
      stop: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
