import { canonicalSlot, WILDCARD } from './mask.js';
import { fitPartsInRange, fitPartsInto, fits, generalize } from './pattern.js';
import { internalized, scanSlots, SlotBuffer } from './tokenize.js';
import { templateIdOf } from './template-id.js';

/**
 * Online template miner of the Drain family (He et al., ICWS 2017), in the shape of Drain3:
 * a fixed-depth prefix tree keyed by slot count and the first `depth - 2` slot keys leads to a short list
 * of clusters, the most similar one is taken when its similarity reaches `similarity`, and a taken cluster
 * generalises its template at the positions that differ. Differences from Drain3:
 * - masking happens per token before clustering (see mask.ts) and runs of variables form one slot
 *   (tokenize.ts), so lists of values of varying length do not split a template;
 * - a generalised position keeps its key and punctuation (`user=<*>`, `<*>,`) instead of becoming a bare `<*>`;
 * - the template id is a hash of the template text, never an arrival counter, so replicas that learned the
 *   same template agree on its id and a restart keeps it. When a template generalises its id changes; the
 *   result reports `changedFrom` and the miner keeps an alias table old id -> current id (`resolveId`).
 *   Two clusters whose templates become identical merge (the text is the identity).
 * - the number of templates is capped; the least recently used one is evicted and counted.
 */

export interface MinerOptions {
  /** Tree depth as in Drain3 (root and length levels included): depth - 2 leading slots key the tree. */
  depth?: number;
  /** Share of a template's slots that must equal the message's for the message to join it. */
  similarity?: number;
  /** Maximum children per internal tree node before new tokens go to the `<*>` child. */
  maxChildren?: number;
  /** Cap on the number of templates; the least recently used template is evicted beyond it. */
  maxTemplates?: number;
  /** Cap on remembered id aliases (old id -> current id). */
  maxAliases?: number;
}

const DEFAULTS: Required<MinerOptions> = {
  depth: 4,
  similarity: 0.5,
  maxChildren: 100,
  maxTemplates: 50_000,
  maxAliases: 100_000,
};

export interface MineResult {
  templateId: string;
  template: string;
  /** Values behind each `<*>` of the template, in order. */
  params: string[];
  /** True when this message created the template. */
  isNew: boolean;
  /** The template's previous id when this message generalised (or merged) it. */
  changedFrom?: string;
}

export interface TemplateInfo {
  templateId: string;
  template: string;
  count: number;
}

export interface MinerStats {
  lines: number;
  templates: number;
  created: number;
  generalized: number;
  merged: number;
  evicted: number;
  aliases: number;
}

interface Cluster {
  id: string;
  keys: string[];
  details: string[];
  template: string;
  count: number;
  /** Monotonic creation number: restore re-inserts in this order so the tree is rebuilt identically. */
  created: number;
  /** Tree path chosen at creation (the keys it was inserted under). */
  path: string[];
  leaf: Leaf | null;
  /** Use clock of the last use, and the clock value the entry's position in the LRU map reflects. */
  lastUsed: number;
  placed: number;
  /** Per slot, the literal parts around `<*>` of the slot's detail (null when the slot is constant). */
  parts: Array<string[] | null>;
  /** The slots whose parts are not null, in order: the ones parameters come from (no pass over the others). */
  paramSlots: number[];
}

function partsOf(details: readonly string[]): Array<string[] | null> {
  return details.map((d) => (d.indexOf(WILDCARD) >= 0 ? d.split(WILDCARD) : null));
}

function paramSlotsOf(parts: ReadonlyArray<string[] | null>): number[] {
  const out: number[] = [];
  for (let i = 0; i < parts.length; i++) if (parts[i] !== null) out.push(i);
  return out;
}

interface Leaf {
  clusters: Cluster[];
}

interface Inner {
  children: Map<string, Inner | Leaf>;
}

/** Plain-JSON miner state. */
export interface MinerSnapshot {
  version: 1;
  options: Required<MinerOptions>;
  nextCreated: number;
  stats: MinerStats;
  /** Clusters from least to most recently used. */
  clusters: Array<{
    id: string;
    keys: string[];
    details: string[];
    count: number;
    created: number;
    path: string[];
  }>;
  aliases: Array<[string, string]>;
}

/**
 * A variable is almost always one token; when this many adjacent constant tokens of a template differ from
 * a message, the message says something else (`Could not resolve X` vs `connection attempt failed with`).
 */
const MAX_DIFFERING_RUN = 3;

/** `fits` with the pattern already split at its wildcards (the cluster keeps it split): no split per message. */
function fitsSplit(parts: readonly string[] | null | undefined, pattern: string, text: string): boolean {
  if (parts === null || parts === undefined) return fits(pattern, text);
  if (pattern === WILDCARD) return true;
  return fitPartsInto(parts, text, null);
}

function renderTemplate(details: readonly string[]): string {
  let out = '';
  for (let i = 0; i < details.length; i++) out += (i === 0 ? '' : ' ') + canonicalSlot(details[i]!);
  return out;
}

/**
 * Enumeration constants (`RUNNING`, `SOCKS5`, `android.intent.action.SCREEN_ON`): upper-case identifiers,
 * possibly qualified. Two different ones at the same position name different events (states, kinds), so
 * they do not merge into `<*>`.
 */
export function isEnumLike(token: string): boolean {
  let b = token.length;
  while (b > 0 && !isIdent(token.charCodeAt(b - 1))) b--;
  let a = b;
  while (a > 0 && isIdent(token.charCodeAt(a - 1))) a--;
  if (b - a < 2) return false;
  let letters = 0;
  for (let k = a; k < b; k++) {
    const c = token.charCodeAt(k);
    if (c >= 97 && c <= 122) return false;
    if (c >= 65 && c <= 90) letters++;
  }
  const c0 = token.charCodeAt(a);
  return letters >= 2 && c0 >= 65 && c0 <= 90;
}

function isPlainWord(token: string): boolean {
  if (token.length === 0) return false;
  for (let k = 0; k < token.length; k++) {
    const c = token.charCodeAt(k);
    if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122))) return false;
  }
  return true;
}

function isIdent(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

export class TemplateMiner {
  private readonly opts: Required<MinerOptions>;
  private readonly root = new Map<number, Inner | Leaf>();
  /** id -> cluster, in least-recently-used-first order (a hit re-inserts the entry). */
  private readonly byId = new Map<string, Cluster>();
  private readonly aliasMap = new Map<string, string>();
  /** The current message's slots, reused from message to message (no arrays per message). */
  private readonly slots = new SlotBuffer();
  private nextCreated = 0;
  private clock = 0;
  private readonly counters: Omit<MinerStats, 'templates' | 'aliases'> = {
    lines: 0,
    created: 0,
    generalized: 0,
    merged: 0,
    evicted: 0,
  };

  constructor(options: MinerOptions = {}) {
    this.opts = { ...DEFAULTS, ...options };
    if (this.opts.depth < 3) throw new Error('depth must be at least 3');
    if (this.opts.maxTemplates < 1) throw new Error('maxTemplates must be at least 1');
  }

  /** Learns from `message` and returns its template. */
  add(message: string): MineResult {
    this.counters.lines++;
    const slots = scanSlots(message, this.slots);
    const found = this.search(slots);
    if (found === null) {
      const before = this.counters.created;
      const cluster = this.create(slots);
      const isNew = this.counters.created !== before;
      return {
        templateId: cluster.id,
        template: cluster.template,
        params: this.params(cluster, slots),
        isNew,
      };
    }
    let cluster = found;
    const oldId = cluster.id;
    let changed = false;
    const keys = slots.keys;
    const details = slots.details;
    for (let i = 0; i < cluster.keys.length; i++) {
      const ck = cluster.keys[i]!;
      const cd = cluster.details[i]!;
      const md = details[i]!;
      if (ck !== WILDCARD) {
        if (ck !== keys[i]) {
          cluster.keys[i] = WILDCARD;
          cluster.details[i] = generalize(cd, md);
          changed = true;
        }
      } else if (cd !== md && !fitsSplit(cluster.parts[i], cd, md)) {
        cluster.details[i] = generalize(cd, md);
        changed = true;
      }
    }
    let changedFrom: string | undefined;
    if (changed) {
      cluster.parts = partsOf(cluster.details);
      cluster.paramSlots = paramSlotsOf(cluster.parts);
      this.counters.generalized++;
      cluster = this.rename(cluster);
      if (cluster.id !== oldId) changedFrom = oldId;
    }
    cluster.count++;
    this.touch(cluster);
    const result: MineResult = {
      templateId: cluster.id,
      template: cluster.template,
      params: this.params(cluster, slots),
      isNew: false,
    };
    if (changedFrom !== undefined) result.changedFrom = changedFrom;
    return result;
  }

  /** Finds the template of `message` without learning: every constant slot must be equal. */
  match(message: string): Omit<MineResult, 'isNew'> | null {
    const slots = scanSlots(message, this.slots);
    const leaf = this.leafFor(slots.keys, slots.n);
    if (leaf === null) return null;
    for (const c of leaf.clusters) {
      let ok = true;
      for (let i = 0; i < c.keys.length && ok; i++) {
        const ck = c.keys[i]!;
        ok = ck === WILDCARD ? fits(c.details[i]!, slots.details[i]!) : ck === slots.keys[i];
      }
      if (ok) return { templateId: c.id, template: c.template, params: this.params(c, slots) };
    }
    return null;
  }

  /** Current templates, most recently used last. */
  templates(): TemplateInfo[] {
    return this.inLruOrder().map((c) => ({ templateId: c.id, template: c.template, count: c.count }));
  }

  /** The current id for an id this miner has issued (follows generalisations and merges), or null if unknown. */
  resolveId(id: string): string | null {
    let cur = id;
    for (let hops = 0; hops < 64; hops++) {
      if (this.byId.has(cur)) return cur;
      const next = this.aliasMap.get(cur);
      if (next === undefined) return null;
      cur = next;
    }
    return null;
  }

  stats(): MinerStats {
    return { ...this.counters, templates: this.byId.size, aliases: this.aliasMap.size };
  }

  snapshot(): MinerSnapshot {
    return {
      version: 1,
      options: { ...this.opts },
      nextCreated: this.nextCreated,
      stats: this.stats(),
      clusters: this.inLruOrder().map((c) => ({
        id: c.id,
        keys: [...c.keys],
        details: [...c.details],
        count: c.count,
        created: c.created,
        path: [...c.path],
      })),
      aliases: [...this.aliasMap.entries()],
    };
  }

  static restore(state: MinerSnapshot, overrides: MinerOptions = {}): TemplateMiner {
    if (state.version !== 1) throw new Error(`unsupported miner snapshot version ${String(state.version)}`);
    const miner = new TemplateMiner({ ...state.options, ...overrides });
    miner.nextCreated = state.nextCreated;
    const { templates: _t, aliases: _a, ...counters } = state.stats;
    Object.assign(miner.counters, counters);
    const clusters: Cluster[] = state.clusters.map((c) => {
      const parts = partsOf(c.details);
      return {
        id: c.id,
        // Internalized like the tokenizer's keys, so that key comparisons stay pointer compares.
        keys: c.keys.map(internalized),
        details: [...c.details],
        template: renderTemplate(c.details),
        count: c.count,
        created: c.created,
        path: c.path.map(internalized),
        leaf: null,
        lastUsed: 0,
        placed: 0,
        parts,
        paramSlots: paramSlotsOf(parts),
      };
    });
    // Tree in creation order (the order the original tree was built in), LRU order as saved.
    for (const c of [...clusters].sort((x, y) => x.created - y.created)) miner.insert(c, c.path);
    for (const c of clusters) {
      c.lastUsed = c.placed = ++miner.clock;
      miner.byId.set(c.id, c);
    }
    for (const [from, to] of state.aliases) miner.aliasMap.set(from, to);
    return miner;
  }

  // --- internals -------------------------------------------------------------------------------------------

  private params(cluster: Cluster, slots: SlotBuffer): string[] {
    const out: string[] = [];
    const paramSlots = cluster.paramSlots;
    for (let v = 0; v < paramSlots.length; v++) {
      const i = paramSlots[v]!;
      const parts = cluster.parts[i]!;
      // A slot whose raw text is the message's own (single spaces) is fitted where it lies: no substring of
      // the slot first, only of its values.
      const inPlace = slots.rawSpaced[i]!;
      if (inPlace && fitPartsInRange(parts, slots.message, slots.rawStart[i]!, slots.rawEnd[i]!, out))
        continue;
      const raw = slots.raw(i);
      if (inPlace || !fitPartsInto(parts, raw, out)) {
        // The raw text does not align literally (masking fused several values); keep the whole slot per `<*>`.
        for (let k = 1; k < parts.length; k++) out.push(raw);
      }
    }
    return out;
  }

  private leafFor(keys: readonly string[], n: number): Leaf | null {
    let node = this.root.get(n);
    if (node === undefined) return null;
    const levels = Math.min(this.opts.depth - 2, n);
    for (let d = 0; d < levels; d++) {
      const inner = node as Inner;
      const next = inner.children.get(keys[d]!) ?? inner.children.get(WILDCARD);
      if (next === undefined) return null;
      node = next;
    }
    return 'clusters' in node ? node : null;
  }

  private search(slots: SlotBuffer): Cluster | null {
    const keys = slots.keys;
    const n = slots.n;
    const leaf = this.leafFor(keys, n);
    if (leaf === null) return null;
    let best: Cluster | null = null;
    let bestSim = -1;
    let bestParams = -1;
    for (const c of leaf.clusters) {
      let same = 0;
      let params = 0;
      let veto = false;
      let run = 0;
      for (let i = 0; i < n; i++) {
        const ck = c.keys[i]!;
        if (ck === WILDCARD) {
          params++;
          // A plain word under a variable continues a differing phrase (`renew session <*>` vs
          // `establish new session`) but never starts one.
          if (run === 0 || !isPlainWord(keys[i]!)) run = 0;
          else if (++run >= MAX_DIFFERING_RUN) {
            veto = true;
            break;
          }
        } else if (ck === keys[i]) {
          same++;
          run = 0;
        } else if ((isEnumLike(ck) && isEnumLike(keys[i]!)) || ++run >= MAX_DIFFERING_RUN) {
          // Different enum constants, or a whole phrase that differs: another event, not a variable.
          veto = true;
          break;
        }
      }
      if (veto) continue;
      // Empty messages (n = 0) are all one template.
      const sim = n === 0 ? 1 : same / n;
      if (sim > bestSim || (sim === bestSim && params > bestParams)) {
        best = c;
        bestSim = sim;
        bestParams = params;
      }
    }
    if (best === null) return null;
    // A template that is all variables accepts only messages that are all variables.
    if (bestParams === n) {
      for (let i = 0; i < n; i++) if (keys[i] !== WILDCARD) return null;
      return best;
    }
    return bestSim >= this.opts.similarity ? best : null;
  }

  private create(slots: SlotBuffer): Cluster {
    const details = slots.details.slice(0, slots.n);
    const template = renderTemplate(details);
    const id = templateIdOf(template);
    const existing = this.byId.get(id);
    if (existing !== undefined) {
      // Same text reached through another tree path (e.g. after a restart with a different tree): same template.
      existing.count++;
      this.touch(existing);
      return existing;
    }
    const parts = partsOf(details);
    const cluster: Cluster = {
      id,
      keys: slots.keys.slice(0, slots.n),
      details,
      template,
      count: 1,
      created: this.nextCreated++,
      path: slots.keys.slice(0, Math.min(this.opts.depth - 2, slots.n)),
      leaf: null,
      lastUsed: ++this.clock,
      placed: this.clock,
      parts,
      paramSlots: paramSlotsOf(parts),
    };
    cluster.path = this.insert(cluster, cluster.path);
    this.byId.set(id, cluster);
    this.counters.created++;
    this.evictIfNeeded();
    return cluster;
  }

  /** Inserts into the prefix tree like Drain3's add_seq_to_prefix_tree; returns the keys actually used. */
  private insert(cluster: Cluster, path: readonly string[]): string[] {
    const n = cluster.keys.length;
    const levels = Math.min(this.opts.depth - 2, n);
    let node = this.root.get(n);
    if (node === undefined) {
      node = levels === 0 ? { clusters: [] } : { children: new Map() };
      this.root.set(n, node);
    }
    const used: string[] = [];
    for (let d = 0; d < levels; d++) {
      const inner = node as Inner;
      const isLast = d === levels - 1;
      const token = path[d] ?? WILDCARD;
      let key = token;
      let next = inner.children.get(token);
      if (next === undefined) {
        const hasWild = inner.children.has(WILDCARD);
        if (token !== WILDCARD && inner.children.size + (hasWild ? 0 : 1) >= this.opts.maxChildren) {
          key = WILDCARD;
          next = inner.children.get(WILDCARD);
        }
        if (next === undefined) {
          next = isLast ? { clusters: [] } : { children: new Map() };
          inner.children.set(key, next);
        }
      }
      used.push(key);
      node = next;
    }
    const leaf = node as Leaf;
    leaf.clusters.push(cluster);
    cluster.leaf = leaf;
    return used;
  }

  /**
   * Marks a use. The map order is refreshed lazily: an entry keeps its position until eviction reaches it,
   * and is then moved to the end if it was used since it was placed (exact LRU, amortised O(1) per use).
   */
  private touch(cluster: Cluster): void {
    cluster.lastUsed = ++this.clock;
  }

  /** Re-derives the id after the template text changed; merges with a cluster that already has that text. */
  private rename(cluster: Cluster): Cluster {
    const template = renderTemplate(cluster.details);
    const id = templateIdOf(template);
    if (id === cluster.id) return cluster;
    const oldId = cluster.id;
    this.byId.delete(oldId);
    this.setAlias(oldId, id);
    const other = this.byId.get(id);
    if (other !== undefined) {
      // The generalised template is one we already have: one template, one id.
      other.count += cluster.count;
      this.detach(cluster);
      this.counters.merged++;
      return other;
    }
    cluster.id = id;
    cluster.template = template;
    cluster.placed = cluster.lastUsed;
    this.byId.set(id, cluster);
    return cluster;
  }

  private setAlias(from: string, to: string): void {
    this.aliasMap.delete(from);
    this.aliasMap.set(from, to);
    if (this.aliasMap.size > this.opts.maxAliases) {
      const oldest = this.aliasMap.keys().next().value;
      if (oldest !== undefined) this.aliasMap.delete(oldest);
    }
  }

  private detach(cluster: Cluster): void {
    const leaf = cluster.leaf;
    if (leaf !== null) {
      const i = leaf.clusters.indexOf(cluster);
      if (i >= 0) leaf.clusters.splice(i, 1);
      cluster.leaf = null;
    }
  }

  private evictIfNeeded(): void {
    while (this.byId.size > this.opts.maxTemplates) {
      const lru = this.byId.values().next().value;
      if (lru === undefined) return;
      this.byId.delete(lru.id);
      if (lru.lastUsed > lru.placed) {
        lru.placed = lru.lastUsed;
        this.byId.set(lru.id, lru);
        continue;
      }
      this.detach(lru);
      this.counters.evicted++;
    }
  }

  /** Clusters from least to most recently used. */
  private inLruOrder(): Cluster[] {
    return [...this.byId.values()].sort((a, b) => a.lastUsed - b.lastUsed);
  }
}
