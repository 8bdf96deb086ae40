import { connect } from 'node:net';
import { BACKEND } from './config.js';

/**
 * HAProxy's runtime API over its admin socket: one command per connection (the non-interactive mode), so a
 * command's answer is everything until HAProxy closes the socket. Commands are built from validated names and
 * numbers only; nothing reaches a shell.
 */
export class HaproxyRuntime {
  constructor(
    private readonly socketPath: string,
    private readonly timeoutMs = 5000,
  ) {}

  async command(line: string): Promise<string> {
    if (/[\r\n;]/.test(line)) throw new Error('one runtime command at a time, without separators');
    return new Promise((resolve, reject) => {
      const socket = connect(this.socketPath);
      const chunks: Buffer[] = [];
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`haproxy runtime API did not answer "${line}" within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      socket.on('connect', () => socket.end(`${line}\n`));
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.on('close', () => {
        clearTimeout(timer);
        resolve(Buffer.concat(chunks).toString('utf8'));
      });
    });
  }

  /** A command whose success is an empty answer (set server ...); anything else is HAProxy's error text. */
  private async expectEmpty(line: string): Promise<void> {
    const answer = (await this.command(line)).trim();
    // `set server ... addr` answers with a change notice rather than nothing.
    if (answer === '' || answer.startsWith('IP changed') || answer.startsWith('no need to change')) return;
    if (/port changed|addr changed/i.test(answer)) return;
    throw new Error(`haproxy refused "${line}": ${answer}`);
  }

  async setWeight(server: string, weight: number): Promise<void> {
    checkServer(server);
    if (!Number.isInteger(weight) || weight < 0 || weight > 256) throw new Error(`bad weight ${weight}`);
    await this.expectEmpty(`set server ${BACKEND}/${server} weight ${weight}`);
  }

  async setAddress(server: string, port: number): Promise<void> {
    checkServer(server);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`bad port ${port}`);
    await this.expectEmpty(`set server ${BACKEND}/${server} addr 127.0.0.1 port ${port}`);
  }

  /** ready: takes traffic by weight; drain: finishes its connections, takes no new ones; maint: out. */
  async setState(server: string, state: 'ready' | 'drain' | 'maint'): Promise<void> {
    checkServer(server);
    await this.expectEmpty(`set server ${BACKEND}/${server} state ${state}`);
  }

  async showStat(): Promise<ServerStat[]> {
    return parseShowStat(await this.command('show stat'));
  }
}

const SERVER = /^[abc]\d{1,2}$/;
function checkServer(server: string): void {
  if (!SERVER.test(server)) throw new Error(`not a server slot: ${server}`);
}

export interface ServerStat {
  backend: string;
  server: string;
  /** UP, DOWN, MAINT, DRAIN, no check ... as HAProxy reports it. */
  status: string;
  weight: number;
  /** Current sessions. */
  current: number;
  total: number;
  http2xx: number;
  http5xx: number;
  /** Connection errors and responses aborted by the server. */
  errors: number;
  address: string;
}

/** Parses the CSV of `show stat` (header line starts with `# `) into one entry per server line. */
export function parseShowStat(csv: string): ServerStat[] {
  const lines = csv.split('\n').filter((l) => l.length > 0);
  const header = lines[0];
  if (!header?.startsWith('# ')) throw new Error(`unexpected show stat answer: ${csv.slice(0, 200)}`);
  const columns = header.slice(2).split(',');
  const col = (name: string) => columns.indexOf(name);
  const at = (cells: string[], name: string) => cells[col(name)] ?? '';
  const num = (cells: string[], name: string) => Number(at(cells, name) || 0);
  return lines
    .slice(1)
    .map((l) => l.split(','))
    .filter((cells) => at(cells, 'svname') !== 'FRONTEND' && at(cells, 'svname') !== 'BACKEND')
    .map((cells) => ({
      backend: at(cells, 'pxname'),
      server: at(cells, 'svname'),
      status: at(cells, 'status'),
      weight: num(cells, 'weight'),
      current: num(cells, 'scur'),
      total: num(cells, 'stot'),
      http2xx: num(cells, 'hrsp_2xx'),
      http5xx: num(cells, 'hrsp_5xx'),
      errors: num(cells, 'econ') + num(cells, 'eresp'),
      address: at(cells, 'addr'),
    }));
}
