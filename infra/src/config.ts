// Pure configuration of the local servers: paths, ports, command lines and config files. No I/O here, so the
// launcher's decisions can be unit-tested and the I/O code stays a thin shell around them.
import { join } from 'node:path';

export const SERVER_NAMES = ['kafka', 'registry', 'ferretdb', 'gitea'] as const;
export type ServerName = (typeof SERVER_NAMES)[number];
/**
 * The servers that start and stop together: the registry keeps schemas in memory, so Kafka's data is only valid
 * with the registry it was written with. Gitea (the forge) is independent of them and can join a running set.
 */
export const CORE_SERVERS = ['kafka', 'registry', 'ferretdb'] as const satisfies readonly ServerName[];

export const VERSIONS = {
  kafka: '3.9.1',
  // 3.3.x is compiled for Java 21; 3.0.9 is the newest 3.x that runs on the Java 17 we can get from Debian 12.
  apicurio: '3.0.9',
  ferretdb: '1.24.2',
  gitea: '1.27.3',
} as const;

/**
 * How Gitea is built from the Go module proxy. `go install` refuses the module (its go.mod has replace
 * directives), so the launcher copies the source the proxy downloads and builds it in place. Everything that
 * shapes the binary is in here, and the cache fingerprint is a hash of this object: change it and the binary is
 * rebuilt.
 */
export const GITEA_BUILD = {
  module: 'code.gitea.io/gitea',
  version: `v${VERSIONS.gitea}`,
  // The pure-Go SQLite driver (modernc) is Gitea's default without build tags, so no cgo and a static binary.
  env: { CGO_ENABLED: '0' },
  args: ['build', '-trimpath', '-ldflags', `-s -w -X main.Version=${VERSIONS.gitea}`, '-o'],
  // The binary carries no web assets; these folders of the source are kept for STATIC_ROOT_PATH.
  staticDirs: ['options', 'templates', 'public'],
} as const;

export const DEFAULT_PORTS = {
  kafka: 19092,
  kafkaController: 19093,
  registry: 18081,
  ferretdb: 27018,
  gitea: 13000,
} as const;

export type Ports = {
  kafka: number;
  kafkaController: number;
  registry: number;
  ferretdb: number;
  gitea: number;
};

export type Heaps = { kafkaMb: number; registryMb: number };
export const DEFAULT_HEAPS: Heaps = { kafkaMb: 512, registryMb: 384 };

/** Path of the Confluent-compatible API inside Apicurio Registry. */
export const CCOMPAT_PATH = '/apis/ccompat/v7';

export type LocalInfraOptions = {
  /** Where downloads, builds, logs, data and the state file live. Default: $SELF_HEALING_CACHE or ~/.cache/self-healing. */
  cacheDir?: string;
  ports?: Partial<Ports>;
  heaps?: Partial<Heaps>;
  /** How long to wait for each server to answer after spawning it. */
  readyTimeoutMs?: number;
  /** Start the forge (Gitea) too. Default: true. */
  gitea?: boolean;
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
  giteaDir: string;
  giteaBin: string;
  /** The source folders Gitea reads its templates, locales and static files from (STATIC_ROOT_PATH). */
  giteaStatic: string;
  giteaData: string;
  giteaIni: string;
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
  const giteaDir = join(cacheDir, 'gitea', VERSIONS.gitea);
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
    giteaDir,
    giteaBin: join(giteaDir, 'gitea'),
    giteaStatic: join(giteaDir, 'static'),
    runDir,
    stateFile: join(runDir, 'state.json'),
    lockDir: join(runDir, 'lock'),
    logDir,
    configDir,
    kafkaData: join(runDir, 'data', 'kafka'),
    ferretdbData: join(runDir, 'data', 'ferretdb'),
    giteaData: join(runDir, 'data', 'gitea'),
    giteaIni: join(configDir, 'gitea', 'app.ini'),
    logs: {
      kafka: join(logDir, 'kafka.log'),
      registry: join(logDir, 'registry.log'),
      ferretdb: join(logDir, 'ferretdb.log'),
      gitea: join(logDir, 'gitea.log'),
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
      // Apicurio's Confluent API lists at most 1000 subjects by default and ignores paging, where Confluent's lists
      // them all: one test run registers more than that, and the demo's namespace pruning must see every subject.
      '-Dapicurio.ccompat.max-subjects=1000000',
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

export type GiteaSecrets = { secretKey: string; internalToken: string; jwtSecret: string };

/** The forge's admin account, made with Gitea's CLI before the web server starts. */
export const GITEA_ADMIN = { username: 'forge-admin', email: 'forge-admin@example.com' } as const;

/**
 * Gitea's app.ini: HTTP on 127.0.0.1 only, SQLite and repositories under run/data/gitea (wiped on a fresh start),
 * no SSH, no mail, no registration, no Actions (no runner is obtainable here: the project's own validation posts
 * commit statuses instead). The secrets are given, so Gitea never rewrites the file.
 */
export function renderGiteaIni(p: {
  layout: LocalLayout;
  ports: Ports;
  secrets: GiteaSecrets;
  /** Gitea refuses to run as root unless its config says so; CI containers run as root. */
  runningAsRoot: boolean;
}): string {
  const { layout, ports, secrets } = p;
  const data = layout.giteaData;
  const sections: Array<[string, Array<[string, string | number | boolean]>]> = [
    [
      '',
      [
        ['APP_NAME', 'self-healing forge'],
        ['RUN_MODE', 'prod'],
        ['WORK_PATH', data],
        ...(p.runningAsRoot ? [['I_AM_BEING_UNSAFE_RUNNING_AS_ROOT', true] as [string, boolean]] : []),
      ],
    ],
    [
      'server',
      [
        ['PROTOCOL', 'http'],
        ['HTTP_ADDR', '127.0.0.1'],
        ['HTTP_PORT', ports.gitea],
        ['DOMAIN', '127.0.0.1'],
        ['ROOT_URL', `http://127.0.0.1:${ports.gitea}/`],
        ['DISABLE_SSH', true],
        ['START_SSH_SERVER', false],
        ['OFFLINE_MODE', true],
        ['LFS_START_SERVER', false],
        ['APP_DATA_PATH', join(data, 'data')],
        // The binary has no embedded assets: templates, locales and static files come from the kept source folders.
        ['STATIC_ROOT_PATH', layout.giteaStatic],
      ],
    ],
    [
      'database',
      [
        ['DB_TYPE', 'sqlite3'],
        ['PATH', join(data, 'gitea.db')],
        ['SQLITE_JOURNAL_MODE', 'WAL'],
        // The default 500 ms lock wait fails background jobs (the pull-request conflict check) when the whole test
        // suite writes at once; a failed check leaves a pull request unmergeable ("try again later") for good.
        ['SQLITE_TIMEOUT', 10_000],
      ],
    ],
    [
      'repository',
      [
        ['ROOT', join(data, 'repositories')],
        ['DEFAULT_BRANCH', 'main'],
      ],
    ],
    [
      'security',
      [
        ['INSTALL_LOCK', true],
        ['SECRET_KEY', secrets.secretKey],
        ['INTERNAL_TOKEN', secrets.internalToken],
        ['PASSWORD_HASH_ALGO', 'pbkdf2'],
      ],
    ],
    [
      'oauth2',
      [
        ['ENABLED', false],
        ['JWT_SECRET', secrets.jwtSecret],
      ],
    ],
    [
      'service',
      [
        ['DISABLE_REGISTRATION', true],
        ['REQUIRE_SIGNIN_VIEW', false],
        ['DEFAULT_KEEP_EMAIL_PRIVATE', true],
      ],
    ],
    // The indexers default to bleve files; the database is enough for a forge that lives as long as a test run.
    ['indexer', [['ISSUE_INDEXER_TYPE', 'db']]],
    ['mailer', [['ENABLED', false]]],
    ['actions', [['ENABLED', false]]],
    // Webhooks to the platform's own services on 127.0.0.1 (Gitea blocks loopback targets by default).
    ['webhook', [['ALLOWED_HOST_LIST', 'loopback']]],
    ['api', [['ENABLE_SWAGGER', false]]],
    ['cron.update_checker', [['ENABLED', false]]],
    [
      'log',
      [
        ['MODE', 'console'],
        ['LEVEL', 'Info'],
        ['ROOT_PATH', join(data, 'log')],
      ],
    ],
  ];
  const out: string[] = [];
  for (const [name, entries] of sections) {
    if (name) out.push('', `[${name}]`);
    for (const [k, v] of entries) out.push(`${k} = ${v}`);
  }
  return out.join('\n').trimStart() + '\n';
}

/** `gitea --config <ini> --work-path <data> <subcommand...>`; the config path doubles as the process marker. */
export function giteaCommand(layout: LocalLayout, subcommand: string[]): CommandLine {
  return {
    command: layout.giteaBin,
    args: [`--config=${layout.giteaIni}`, `--work-path=${layout.giteaData}`, ...subcommand],
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
    gitea: giteaCommand(layout, ['web']),
  };
}

/** The text each server's process must carry on its command line (see serverMarker). */
export function commandMarker(name: ServerName, layout: LocalLayout): string {
  if (name === 'ferretdb') return `-sqlite-dir=${layout.ferretdbData}`;
  if (name === 'gitea') return `--config=${layout.giteaIni}`;
  return serverMarker(name, layout);
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

/** A forge's base URL (no /api/v1) and an access token of its admin account. */
export type ForgeEndpoint = { url: string; token: string };

export type Endpoints = {
  kafkaBrokers: string[];
  schemaRegistryUrl: string;
  mongodbUri: string;
  /** Absent when no forge was started or given (FORGE_URL and FORGE_TOKEN). */
  forge?: ForgeEndpoint;
};

export function localEndpoints(ports: Ports, forgeToken?: string): Endpoints {
  return {
    kafkaBrokers: [`127.0.0.1:${ports.kafka}`],
    schemaRegistryUrl: `http://127.0.0.1:${ports.registry}${CCOMPAT_PATH}`,
    mongodbUri: `mongodb://127.0.0.1:${ports.ferretdb}/`,
    ...(forgeToken === undefined ? {} : { forge: giteaEndpoint(ports, forgeToken) }),
  };
}

export function giteaEndpoint(ports: Ports, token: string): ForgeEndpoint {
  return { url: `http://127.0.0.1:${ports.gitea}`, token };
}
