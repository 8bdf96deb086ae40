import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PORTS,
  commandMarker,
  defaultCacheDir,
  kafkaClusterId,
  kafkaCommand,
  localEndpoints,
  localLayout,
  registryCommand,
  renderKafkaProperties,
  resolvePorts,
  DEFAULT_HEAPS,
  ferretdbCommand,
  GITEA_BUILD,
  giteaCommand,
  renderGiteaIni,
} from './config.js';
import { recipeFingerprint } from './install.js';

function props(text: string): Map<string, string> {
  return new Map(
    text
      .trim()
      .split('\n')
      .map((l) => {
        const i = l.indexOf('=');
        return [l.slice(0, i), l.slice(i + 1)] as [string, string];
      }),
  );
}

describe('cache directory', () => {
  it('given SELF_HEALING_CACHE, when resolving, then it wins', () => {
    expect(defaultCacheDir({ SELF_HEALING_CACHE: '/x/cache', XDG_CACHE_HOME: '/xdg' }, '/home/u')).toBe(
      '/x/cache',
    );
  });
  it('given only XDG_CACHE_HOME, when resolving, then the cache lives under it', () => {
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/xdg' }, '/home/u')).toBe('/xdg/self-healing');
  });
  it('given nothing, when resolving, then ~/.cache/self-healing', () => {
    expect(defaultCacheDir({ SELF_HEALING_CACHE: '  ' }, '/home/u')).toBe('/home/u/.cache/self-healing');
  });
});

describe('ports', () => {
  it('given no overrides, when resolving, then the defaults', () => {
    expect(resolvePorts(undefined)).toEqual(DEFAULT_PORTS);
  });
  it('given one override, when resolving, then only that port changes', () => {
    expect(resolvePorts({ registry: 28081, kafka: undefined })).toEqual({
      ...DEFAULT_PORTS,
      registry: 28081,
    });
  });
  it('given two servers on one port, when resolving, then it refuses', () => {
    expect(() => resolvePorts({ registry: DEFAULT_PORTS.kafka })).toThrow(/distinct/);
  });
  it('given an out-of-range port, when resolving, then it refuses', () => {
    expect(() => resolvePorts({ ferretdb: 70000 })).toThrow(/invalid port for ferretdb/);
  });
});

describe('Kafka server.properties', () => {
  const p = props(
    renderKafkaProperties({
      ports: { ...DEFAULT_PORTS, kafka: 1111, kafkaController: 2222 },
      dataDir: '/d/k',
    }),
  );

  it('when rendered, then one KRaft node is broker and controller with a static voter on 127.0.0.1', () => {
    expect(p.get('process.roles')).toBe('broker,controller');
    expect(p.get('controller.quorum.voters')).toBe(`${p.get('node.id')}@127.0.0.1:2222`);
    expect(p.get('listeners')).toBe('PLAINTEXT://127.0.0.1:1111,CONTROLLER://127.0.0.1:2222');
    expect(p.get('advertised.listeners')).toBe('PLAINTEXT://127.0.0.1:1111');
    expect(p.get('controller.listener.names')).toBe('CONTROLLER');
    expect(p.get('log.dirs')).toBe('/d/k');
  });

  it('when rendered, then the internal topics fit on a single broker and groups start without delay', () => {
    expect(p.get('offsets.topic.replication.factor')).toBe('1');
    expect(p.get('transaction.state.log.replication.factor')).toBe('1');
    expect(p.get('transaction.state.log.min.isr')).toBe('1');
    expect(p.get('group.initial.rebalance.delay.ms')).toBe('0');
  });
});

describe('command lines', () => {
  const layout = localLayout('/c');

  it('when building the Kafka command, then the heap is bounded and the libs directory is the classpath', () => {
    const cmd = kafkaCommand(layout, { ...DEFAULT_HEAPS, kafkaMb: 512 });
    expect(cmd.args).toContain('-Xmx512m');
    expect(cmd.args).toContain('/c/kafka/3.9.1/libs/*');
    expect(cmd.args.at(-1)).toBe(layout.kafkaProperties);
  });

  it('when building the registry command, then it binds 127.0.0.1 on the given port with BACKWARD as default', () => {
    const cmd = registryCommand(layout, { ...DEFAULT_PORTS, registry: 1234 }, DEFAULT_HEAPS);
    expect(cmd.args).toEqual(
      expect.arrayContaining([
        '-Dquarkus.http.host=127.0.0.1',
        '-Dquarkus.http.port=1234',
        '-Dapicurio.rules.global.compatibility=BACKWARD',
        '-Xmx384m',
      ]),
    );
    expect(cmd.args.slice(-2)).toEqual(['-jar', layout.apicurioJar]);
  });

  it('when building any server command, then its marker is on the command line', () => {
    expect(kafkaCommand(layout, DEFAULT_HEAPS).args).toContain(commandMarker('kafka', layout));
    expect(registryCommand(layout, DEFAULT_PORTS, DEFAULT_HEAPS).args).toContain(
      commandMarker('registry', layout),
    );
    expect(ferretdbCommand(layout, DEFAULT_PORTS).args).toContain(commandMarker('ferretdb', layout));
  });

  it('given two cache dirs, when comparing markers, then they differ (a pid is only ours if it is in our cache)', () => {
    expect(commandMarker('kafka', localLayout('/a'))).not.toBe(commandMarker('kafka', localLayout('/b')));
  });
});

describe('Kafka cluster id', () => {
  it('given 16 bytes, when encoding, then 22 URL-safe base64 characters', () => {
    const id = kafkaClusterId(new Uint8Array(16).fill(7));
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
  it('given bytes whose encoding starts with "-", when encoding, then no id (the caller draws again)', () => {
    const bytes = new Uint8Array(16);
    bytes[0] = 0xf8; // first 6 bits 111110 = 62 = '-'
    expect(kafkaClusterId(bytes)).toBeUndefined();
  });
  it('given the wrong number of bytes, when encoding, then it refuses', () => {
    expect(() => kafkaClusterId(new Uint8Array(8))).toThrow();
  });
});

describe('local endpoints', () => {
  it('when derived from ports, then they point at 127.0.0.1 and the registry at its Confluent API', () => {
    expect(localEndpoints(DEFAULT_PORTS)).toEqual({
      kafkaBrokers: ['127.0.0.1:19092'],
      schemaRegistryUrl: 'http://127.0.0.1:18081/apis/ccompat/v7',
      mongodbUri: 'mongodb://127.0.0.1:27018/',
    });
  });
});

describe('Gitea', () => {
  const layout = localLayout('/c');
  const secrets = { secretKey: 'sk', internalToken: 'it', jwtSecret: 'jwt' };
  const ini = (runningAsRoot: boolean) =>
    renderGiteaIni({ layout, ports: { ...DEFAULT_PORTS, gitea: 3333 }, secrets, runningAsRoot });
  const section = (text: string, name: string) => {
    const start = text.indexOf(`[${name}]\n`);
    const end = text.indexOf('\n[', start + 1);
    return text.slice(start, end === -1 ? undefined : end);
  };

  it('when rendering app.ini, then HTTP binds 127.0.0.1 on the port, SQLite and repositories live in the run dir', () => {
    const text = ini(false);
    expect(section(text, 'server')).toContain('HTTP_ADDR = 127.0.0.1\nHTTP_PORT = 3333\n');
    expect(section(text, 'server')).toContain('ROOT_URL = http://127.0.0.1:3333/');
    expect(section(text, 'server')).toContain(`STATIC_ROOT_PATH = ${layout.giteaStatic}`);
    expect(section(text, 'server')).toContain('DISABLE_SSH = true');
    expect(section(text, 'database')).toContain(`DB_TYPE = sqlite3\nPATH = ${layout.giteaData}/gitea.db`);
    expect(section(text, 'repository')).toContain(`ROOT = ${layout.giteaData}/repositories`);
    expect(section(text, 'security')).toContain('INSTALL_LOCK = true\nSECRET_KEY = sk\nINTERNAL_TOKEN = it');
    expect(section(text, 'oauth2')).toContain('JWT_SECRET = jwt');
  });

  it('given root, when rendering app.ini, then the root override is in the root section; otherwise it is absent', () => {
    const asRoot = ini(true);
    expect(asRoot.slice(0, asRoot.indexOf('['))).toContain('I_AM_BEING_UNSAFE_RUNNING_AS_ROOT = true');
    expect(ini(false)).not.toContain('I_AM_BEING_UNSAFE_RUNNING_AS_ROOT');
  });

  it('when building Gitea commands, then the config path is the marker and comes before the subcommand', () => {
    const cmd = giteaCommand(layout, ['web']);
    expect(cmd.command).toBe('/c/gitea/1.27.3/gitea');
    expect(cmd.args).toEqual([`--config=${layout.giteaIni}`, `--work-path=${layout.giteaData}`, 'web']);
    expect(cmd.args).toContain(commandMarker('gitea', layout));
  });

  it('given a token, when deriving endpoints, then the forge is the Gitea base URL without /api/v1', () => {
    expect(localEndpoints({ ...DEFAULT_PORTS, gitea: 3333 }, 'abc').forge).toEqual({
      url: 'http://127.0.0.1:3333',
      token: 'abc',
    });
  });

  it('when fingerprinting the build recipe, then a change of any part changes the fingerprint', () => {
    const base = recipeFingerprint(GITEA_BUILD);
    expect(base).toMatch(/^[0-9a-f]{16}$/);
    expect(recipeFingerprint({ ...GITEA_BUILD, version: 'v1.27.4' })).not.toBe(base);
    expect(recipeFingerprint({ ...GITEA_BUILD, env: {} })).not.toBe(base);
  });
});
