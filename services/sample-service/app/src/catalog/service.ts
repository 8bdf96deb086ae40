import { config } from '../config.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../observability/logger.js';
import type { Product } from './products.js';
import type { CatalogStore } from './store.js';

export interface ProductPage {
  items: Product[];
  total: number;
  offset: number;
  limit: number;
}

/** Reads of the catalogue, with the product listing cached because every storefront page asks for it. */
export class CatalogService {
  private cached: { products: Product[]; at: number } | null = null;

  constructor(
    private readonly store: CatalogStore,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  async list(filter: { category?: string; offset: number; limit: number }): Promise<ProductPage> {
    const all = await this.allProducts();
    const matching = filter.category ? all.filter((p) => p.category === filter.category) : all;
    return {
      items: matching.slice(filter.offset, filter.offset + filter.limit),
      total: matching.length,
      offset: filter.offset,
      limit: filter.limit,
    };
  }

  get(sku: string): Promise<Product | undefined> {
    return this.store.findOne(sku);
  }

  getMany(skus: readonly string[]): Promise<Map<string, Product>> {
    return this.store.findMany(skus);
  }

  private async allProducts(): Promise<Product[]> {
    const now = this.clock.now();
    if (this.cached && now - this.cached.at < config.catalogCacheTtlMs) return this.cached.products;
    const started = performance.now();
    const products = await this.store.scan();
    this.cached = { products, at: now };
    this.log.info(
      { step: 'catalogCache', durationMs: Math.round(performance.now() - started) },
      `catalog cache refreshed entries=${products.length} took ${Math.round(performance.now() - started)} ms`,
    );
    return products;
  }
}
