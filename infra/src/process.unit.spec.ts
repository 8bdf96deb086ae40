import { describe, expect, it } from 'vitest';
import { lastLines, listeningInodes } from './process.js';

describe('log tails', () => {
  it('given more lines than asked, when tailing, then the last n without the trailing newline', () => {
    expect(lastLines('a\nb\nc\nd\n', 2)).toBe('c\nd');
  });
  it('given fewer lines than asked, when tailing, then all of them', () => {
    expect(lastLines('only', 5)).toBe('only');
  });
});

describe('listening sockets', () => {
  const tcp = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0100007F:4A9C 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1 0 100 0 0 10 0',
    '   1: 0100007F:4A9C 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 222 1 0 20 4 30 10 -1',
    '   2: 0100007F:46A1 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 333 1 0 100 0 0 10 0',
  ].join('\n');
  const tcp6 =
    '  sl  local_address remote_address st tx_queue rx_queue tr tm->when retrnsmt uid timeout inode\n' +
    '   0: 0000000000000000FFFF00000100007F:4A9C 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 444 1 0 100 0 0 10 0';

  it('given a table, when asking for a port, then only the inodes of LISTEN sockets on it', () => {
    expect(listeningInodes(tcp, 0x4a9c)).toEqual(['111']);
    expect(listeningInodes(tcp, 0x46a1)).toEqual(['333']);
    expect(listeningInodes(tcp, 1)).toEqual([]);
  });
  it('given an IPv6 table, when asking for a port, then its listener is found too', () => {
    expect(listeningInodes(tcp6, 19100)).toEqual(['444']);
  });
});
