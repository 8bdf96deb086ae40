import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Accounts, developmentAccounts } from './auth/tokens.js';
import { CartStore } from './cart/store.js';
import { seedProducts, seedStock } from './catalog/products.js';
import { CatalogService } from './catalog/service.js';
import { CatalogStore } from './catalog/store.js';
import { systemClock, type Clock } from './clock.js';
import { createHttpServer } from './http/server.js';
import { buildRoutes, type RouteDeps } from './http/routes.js';
import { IdSequence } from './ids.js';
import { Inventory } from './inventory/inventory.js';
import { Notifier } from './notify/notifier.js';
import { createLogger, type Logger } from './observability/logger.js';
import { OrderStore } from './orders/store.js';
import { PaymentClient } from './payment/client.js';
import { ShipmentService } from './shipping/shipment.js';

export interface AppOptions {
  /** Base URL of the payment provider. */
  paymentUrl: string;
  logger?: Logger;
  clock?: Clock;
}

export interface App {
  server: Server;
  deps: RouteDeps & { store: CatalogStore };
  logger: Logger;
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

/** Wires the service: one in-memory world per app, so tests get fresh state by creating an app. */
export function createApp(options: AppOptions): App {
  const logger = options.logger ?? createLogger();
  const clock = options.clock ?? systemClock;
  const ids = new IdSequence();
  const store = new CatalogStore(seedProducts);
  const deps = {
    store,
    accounts: new Accounts(developmentAccounts),
    carts: new CartStore(ids, clock),
    catalog: new CatalogService(store, clock, logger),
    inventory: new Inventory(seedStock, ids, clock),
    payments: new PaymentClient(options.paymentUrl, logger),
    shipments: new ShipmentService(ids),
    notifier: new Notifier(clock),
    orders: new OrderStore(),
    ids,
    clock,
  };
  const server = createHttpServer(buildRoutes(deps), logger);
  return {
    server,
    deps,
    logger,
    listen: (port, host = '127.0.0.1') =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
      }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
