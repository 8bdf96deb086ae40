import { simulatedLatency } from '../config.js';
import { sleep } from '../clock.js';
import type { Product } from './products.js';

/**
 * The catalogue's backing store. It lives in memory but answers with the latency of a remote database: one
 * round trip per query, and a full scan for the listing, so that how the service queries it shows in its timings.
 */
export class CatalogStore {
  private readonly bySku: Map<string, Product>;
  /** Round trips made, for the benchmarks and tests that check query counts. */
  queries = 0;

  constructor(products: readonly Product[]) {
    this.bySku = new Map(products.map((p) => [p.sku, { ...p }]));
  }

  async findOne(sku: string): Promise<Product | undefined> {
    await this.roundTrip(simulatedLatency.catalogQueryMs);
    const product = this.bySku.get(sku);
    return product && { ...product };
  }

  /** One query for several SKUs; unknown SKUs are absent from the result. */
  async findMany(skus: readonly string[]): Promise<Map<string, Product>> {
    await this.roundTrip(simulatedLatency.catalogQueryMs);
    const found = new Map<string, Product>();
    for (const sku of skus) {
      const product = this.bySku.get(sku);
      if (product) found.set(sku, { ...product });
    }
    return found;
  }

  async scan(): Promise<Product[]> {
    await this.roundTrip(simulatedLatency.catalogScanMs);
    return [...this.bySku.values()].map((p) => ({ ...p })).sort((a, b) => a.sku.localeCompare(b.sku));
  }

  private async roundTrip(ms: number): Promise<void> {
    this.queries++;
    if (ms > 0) await sleep(ms);
  }
}
