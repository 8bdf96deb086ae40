import { describe, expect, it } from 'vitest';
import {
  groupDemoNamespaces,
  isDemoNamespace,
  namespaceOfPrefixed,
  newDemoNamespace,
  staleDemoNamespaces,
} from './demoNamespaces.js';

describe('demo namespaces', () => {
  it('given a start time, names the namespace so that names sort by age and are valid database and topic names', () => {
    const a = newDemoNamespace(new Date('2026-11-25T00:45:12.345Z'), 'ab12');
    const b = newDemoNamespace(new Date('2026-11-25T10:05:00.000Z'), '0000');
    expect(a).toBe('demo_20261125t004512_ab12');
    expect(a < b).toBe(true);
    expect(a).toMatch(/^[a-z0-9_]{1,63}$/);
    expect(isDemoNamespace(a)).toBe(true);
  });

  it('given prefixed topics, groups and subjects, attributes only demo ones to their namespace', () => {
    expect(namespaceOfPrefixed('demo_20261125t004512_ab12.selfhealing.commands')).toBe(
      'demo_20261125t004512_ab12',
    );
    expect(namespaceOfPrefixed('demo_1a2b3c4d.projector')).toBe('demo_1a2b3c4d');
    expect(namespaceOfPrefixed('selfhealing.commands')).toBeNull();
    expect(namespaceOfPrefixed('demo_notanamespace.x')).toBeNull();
    expect(namespaceOfPrefixed('cli-abc.selfhealing.commands')).toBeNull();
  });

  it('given what the servers hold, groups it by namespace, oldest first, legacy names before stamped ones', () => {
    const newer = 'demo_20261125t100500_0000';
    const older = 'demo_20261124t230000_ffff';
    const legacy = 'demo_1a2b3c4d';
    const all = groupDemoNamespaces({
      databases: ['admin', 'self_healing', newer, legacy],
      topics: [`${older}.selfhealing.commands`, `${newer}.selfhealing.telemetry.raw`, 'selfhealing.commands'],
      groups: [`${newer}.projector`, 'telemetry.parse.runner'],
      subjects: [`${older}.selfhealing.commands-x.Y`, 'selfhealing.commands-x.Y'],
    });
    expect(all.map((n) => n.name)).toEqual([legacy, older, newer]);
    expect(all[1]).toEqual({
      name: older,
      database: false,
      topics: [`${older}.selfhealing.commands`],
      groups: [],
      subjects: [`${older}.selfhealing.commands-x.Y`],
    });
    expect(all[2]).toMatchObject({ database: true, groups: [`${newer}.projector`] });
  });

  it('given namespaces oldest first, marks all but the newest `keep` as stale', () => {
    const ns = (name: string) => ({ name, database: true, topics: [], groups: [], subjects: [] });
    const all = ['demo_1', 'demo_2', 'demo_3'].map(ns);
    expect(staleDemoNamespaces(all, 2).map((n) => n.name)).toEqual(['demo_1']);
    expect(staleDemoNamespaces(all, 0)).toHaveLength(3);
    expect(staleDemoNamespaces(all, 5)).toEqual([]);
  });
});
