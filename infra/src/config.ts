// Pure configuration of the local servers: paths, ports, command lines and config files. No I/O here, so the
// launcher's decisions can be unit-tested and the I/O code stays a thin shell around them.
import { join } from 'node:path';

export const SERVER_NAMES = ['kafka', 'registry', 'ferretdb'] as const;
export type ServerName = (typeof SERVER_NAMES)[number];

export const VERSIONS = {
  kafka: '3.9.1',
  // 3.3.x is compiled for Java 21; 3.0.9 is the newest 3.x that runs on the Java 17 we can get from Debian 12.
  apicurio: '3.0.9',
  ferretdb: '1.24.2',
} as const;

export const DEFAULT_PORTS = {
  kafka: 19092,
  kafkaController: 19093,
  registry: 18081,
  ferretdb: 27018,
} as const;

export type Ports = { kafka: number; kafkaController: number; registry: number; ferretdb: number };

export type Heaps = { kafkaMb: number; registryMb: number };
export const DEFAULT_HEAPS: Heaps = { kafkaMb: 512, registryMb: 384 };

/** Path of the Confluent-compatible API inside Apicurio Registry. */
export const CCOMPAT_PATH = '/apis/ccompat/v7';

export type LocalInfraOptions = {
  /** Where downloads, builds, logs, data and the state file live. Default: $SELF_HEALING_CACHE or ~/.cache/self-healing. */
  cacheDir?: string;
  ports?: Partial<Ports>;
  heaps?: Partial<Heaps>;
  /** How long to wait for all three servers to answer after spawning them. */
  readyTimeoutMs?: number;
  /** Progress lines (downloads, builds, starts). Default: silent. */
  log?: (line: string) => void;
};

export type LocalLayout = {
  cacheDir: string;
  m2Repo: string;
  goModCache: string;
  goBuildCache: string;
  kafkaLibs: string;
  apicurioDir: string;
  apicurioJar: string;
  ferretdbDir: string;
  ferretdbBin: string;
  runDir: string;
  stateFile: string;
  lockDir: string;
  logDir: string;
  configDir: string;
  kafkaData: string;
  ferretdbData: string;
  logs: Record<ServerName, string>;
  kafkaProperties: string;
  kafkaLog4j: string;
};

export function defaultCacheDir(env: NodeJS.ProcessEnv, homeDir: string): string {
  const fromEnv = env['SELF_HEALING_CACHE']?.trim();
  if (fromEnv) return fromEnv;
  const xdg = env['XDG_CACHE_HOME']?.trim();
  return join(xdg || join(homeDir, '.cache'), 'self-healing');
}

export function localLayout(cacheDir: string): LocalLayout {
  const runDir = join(cacheDir, 'run');
  const logDir = join(runDir, 'logs');
  const configDir = join(runDir, 'config');
  const apicurioDir = join(cacheDir, 'apicurio', VERSIONS.apicurio);
  const ferretdbDir = join(cacheDir, 'ferretdb', VERSIONS.ferretdb);
  return {
    cacheDir,
    m2Repo: join(cacheDir, 'm2'),
    goModCache: join(cacheDir, 'go', 'mod'),
    goBuildCache: join(cacheDir, 'go', 'build'),
    kafkaLibs: join(cacheDir, 'kafka', VERSIONS.kafka, 'libs'),
    apicurioDir,
    apicurioJar: join(apicurioDir, `apicurio-registry-app-${VERSIONS.apicurio}-runner.jar`),
    ferretdbDir,
    ferretdbBin: join(ferretdbDir, 'ferretdb-embedded'),
    runDir,
    stateFile: join(runDir, 'state.json'),
    lockDir: join(runDir, 'lock'),
    logDir,
    configDir,
    kafkaData: join(runDir, 'data', 'kafka'),
    ferretdbData: join(runDir, 'data', 'ferretdb'),
    logs: {
      kafka: join(logDir, 'kafka.log'),
      registry: join(logDir, 'registry.log'),
      ferretdb: join(logDir, 'ferretdb.log'),
    },
    kafkaProperties: join(configDir, 'kafka.properties'),
    kafkaLog4j: join(configDir, 'kafka-log4j.properties'),
  };
}

export function resolvePorts(overrides: Partial<Ports> | undefined): Ports {
  const ports: Ports = { ...DEFAULT_PORTS, ...stripUndefined(overrides ?? {}) };
  for (const [name, port] of Object.entries(ports)) {
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new Error(`invalid port for ${name}: ${port}`);
  }
  const distinct = new Set(Object.values(ports));
  if (distinct.size !== Object.values(ports).length) {
    throw new Error(`local infra ports must be distinct, got ${JSON.stringify(ports)}`);
  }
  return ports;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function renderKafkaProperties(p: { ports: Ports; dataDir: string }): string {
  const { kafka, kafkaController } = p.ports;
  const lines: Array<[string, string | number]> = [
    // One process is both the KRaft controller and the broker; static voters, so `format` needs no --standalone.
    ['process.roles', 'broker,controller'],
    ['node.id', 1],
    ['controller.quorum.voters', `1@127.0.0.1:${kafkaController}`],
    ['listeners', `PLAINTEXT://127.0.0.1:${kafka},CONTROLLER://127.0.0.1:${kafkaController}`],
    ['advertised.listeners', `PLAINTEXT://127.0.0.1:${kafka}`],
    ['listener.security.protocol.map', 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT'],
    ['controller.listener.names', 'CONTROLLER'],
    ['inter.broker.listener.name', 'PLAINTEXT'],
    ['log.dirs', p.dataDir],
    ['num.partitions', 1],
    // A single broker can only hold one replica: the internal topics must not ask for three.
    ['offsets.topic.replication.factor', 1],
    ['offsets.topic.num.partitions', 1],
    ['transaction.state.log.replication.factor', 1],
    ['transaction.state.log.min.isr', 1],
    ['transaction.state.log.num.partitions', 1],
    ['default.replication.factor', 1],
    ['min.insync.replicas', 1],
    // Tests join groups constantly; the default 3 s delay would be paid by every one of them.
    ['group.initial.rebalance.delay.ms', 0],
    ['log.retention.hours', 24],
    ['log.segment.bytes', 16 * 1024 * 1024],
    ['num.network.threads', 2],
    ['num.io.threads', 4],
  ];
  return lines.map(([k, v]) => `${k}=${v}`).join('\n') + '\n';
}

export function renderKafkaLog4j(): string {
  // Kafka's jars carry no log4j configuration; without one reload4j prints "no appenders" and nothing else.
  return [
    'log4j.rootLogger=INFO, stdout',
    'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
    'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
    'log4j.logger.kafka.request.logger=WARN',
    'log4j.logger.state.change.logger=WARN',
    'log4j.logger.kafka.log.LogCleaner=WARN',
    '',
  ].join('\n');
}

export type CommandLine = { command: string; args: string[]; env?: Record<string, string> };

/** A string put on each server's command line, so a pid from the state file can be told apart from a reused one. */
export function serverMarker(name: ServerName, layout: LocalLayout): string {
  return `-Dself-healing.server=${name}@${layout.runDir}`;
}

// Serial GC: two shared cores, small heaps; a concurrent collector would only compete with the tests for CPU.
const JAVA_COMMON = ['-XX:+UseSerialGC', '-Djava.awt.headless=true'];

export function kafkaFormatCommand(layout: LocalLayout, clusterId: string): CommandLine {
  return {
    command: 'java',
    args: [
      '-Xmx256m',
      ...JAVA_COMMON,
      `-Dlog4j.configuration=file:${layout.kafkaLog4j}`,
      '-cp',
      join(layout.kafkaLibs, '*'),
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId,
      '-c',
      layout.kafkaProperties,
      '--ignore-formatted',
    ],
  };
}

export function kafkaCommand(layout: LocalLayout, heaps: Heaps): CommandLine {
  return {
    command: 'java',
    args: [
      `-Xms${Math.min(256, heaps.kafkaMb)}m`,
      `-Xmx${heaps.kafkaMb}m`,
      ...JAVA_COMMON,
      serverMarker('kafka', layout),
      `-Dlog4j.configuration=file:${layout.kafkaLog4j}`,
      '-cp',
      join(layout.kafkaLibs, '*'),
      'kafka.Kafka',
      layout.kafkaProperties,
    ],
  };
}

export function registryCommand(layout: LocalLayout, ports: Ports, heaps: Heaps): CommandLine {
  return {
    command: 'java',
    args: [
      `-Xmx${heaps.registryMb}m`,
      ...JAVA_COMMON,
      // The registry's work is start-up dominated (Quarkus boot); C1 alone boots it noticeably faster.
      '-XX:TieredStopAtLevel=1',
      serverMarker('registry', layout),
      '-Dquarkus.http.host=127.0.0.1',
      `-Dquarkus.http.port=${ports.registry}`,
      // Same default as Confluent's registry, so the local and the Docker paths behave alike.
      '-Dapicurio.rules.global.compatibility=BACKWARD',
      // Storage stays the default in-memory H2: schemas live as long as the process, like the Kafka data we wipe.
      '-Dquarkus.http.access-log.enabled=false',
      '-jar',
      layout.apicurioJar,
    ],
  };
}

export function ferretdbCommand(layout: LocalLayout, ports: Ports): CommandLine {
  return {
    command: layout.ferretdbBin,
    args: [`-listen-addr=127.0.0.1:${ports.ferretdb}`, `-sqlite-dir=${layout.ferretdbData}`],
  };
}

export function serverCommands(
  layout: LocalLayout,
  ports: Ports,
  heaps: Heaps,
): Record<ServerName, CommandLine> {
  return {
    kafka: kafkaCommand(layout, heaps),
    registry: registryCommand(layout, ports, heaps),
    ferretdb: ferretdbCommand(layout, ports),
  };
}

/** The text each server's process must carry on its command line (see serverMarker). */
export function commandMarker(name: ServerName, layout: LocalLayout): string {
  return name === 'ferretdb' ? `-sqlite-dir=${layout.ferretdbData}` : serverMarker(name, layout);
}

/**
 * Kafka cluster ids are 16 random bytes in URL-safe base64 without padding. Kafka's own generator rejects ids
 * starting with '-' (they read like command-line flags), so the caller retries with new bytes when this returns
 * undefined.
 */
export function kafkaClusterId(randomBytes16: Uint8Array): string | undefined {
  if (randomBytes16.length !== 16) throw new Error('a Kafka cluster id needs exactly 16 bytes');
  const id = Buffer.from(randomBytes16).toString('base64url');
  return id.startsWith('-') ? undefined : id;
}

export type Endpoints = { kafkaBrokers: string[]; schemaRegistryUrl: string; mongodbUri: string };

export function localEndpoints(ports: Ports): Endpoints {
  return {
    kafkaBrokers: [`127.0.0.1:${ports.kafka}`],
    schemaRegistryUrl: `http://127.0.0.1:${ports.registry}${CCOMPAT_PATH}`,
    mongodbUri: `mongodb://127.0.0.1:${ports.ferretdb}/`,
  };
}
