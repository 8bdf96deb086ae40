/** healctl's exit codes, as the README documents them. */
export const EXIT = { ok: 0, failure: 1, usage: 2, noServers: 3 } as const;
