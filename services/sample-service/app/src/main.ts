import { createApp } from './app.js';
import { seedStock } from './catalog/products.js';
import { createLogger } from './observability/logger.js';
import { PaymentProvider } from './payment/provider.js';

/**
 * Starts the service on PORT (default 8080). The payment provider is PAYMENT_URL when given, otherwise a provider
 * started in this process on a free port, so that one command brings up a working checkout. The warehouses get
 * their starting stock back every RESTOCK_EVERY_MS (default 15 s; 0: never), as a shop's suppliers deliver.
 */
async function main(): Promise<void> {
  const logger = createLogger();
  const port = Number(process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number, got ${process.env.PORT}`);
  const restockEveryMs = Number(process.env.RESTOCK_EVERY_MS ?? 15_000);
  if (!Number.isInteger(restockEveryMs) || restockEveryMs < 0)
    throw new Error(
      `RESTOCK_EVERY_MS must be a whole number of milliseconds, got ${process.env.RESTOCK_EVERY_MS}`,
    );
  let provider: PaymentProvider | null = null;
  let paymentUrl = process.env.PAYMENT_URL;
  if (!paymentUrl) {
    provider = new PaymentProvider();
    paymentUrl = await provider.start();
  }
  const app = createApp({ paymentUrl, logger });
  const bound = await app.listen(port, process.env.HOST ?? '127.0.0.1');
  logger.info({ step: 'startup', port: bound, paymentUrl }, `checkout listening on port ${bound}`);
  const deliveries =
    restockEveryMs > 0
      ? setInterval(() => {
          const units = app.deps.inventory.restock(seedStock);
          if (units > 0) logger.info({ step: 'restock', units }, `stock delivery: ${units} units restocked`);
        }, restockEveryMs)
      : null;

  const shutdown = (signal: string): void => {
    logger.info({ step: 'shutdown' }, `received ${signal}, shutting down`);
    if (deliveries) clearInterval(deliveries);
    void Promise.all([app.close(), provider?.stop()]).then(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
