import type { Accounts } from '../auth/tokens.js';
import type { CartStore } from '../cart/store.js';
import { validateCart } from '../cart/validate.js';
import type { CatalogService } from '../catalog/service.js';
import type { Clock } from '../clock.js';
import { config } from '../config.js';
import { HttpError, badRequest, notFound } from '../errors.js';
import type { IdSequence } from '../ids.js';
import type { Inventory } from '../inventory/inventory.js';
import type { Notifier } from '../notify/notifier.js';
import { timed, type Logger } from '../observability/logger.js';
import type { Order, OrderStore } from '../orders/store.js';
import { lastFour } from '../payment/card.js';
import type { PaymentClient } from '../payment/client.js';
import { quote } from '../pricing/discount.js';
import { formatCents } from '../pricing/money.js';
import type { ShipmentService } from '../shipping/shipment.js';
import { parseCheckout } from './request.js';

export interface CheckoutDeps {
  accounts: Accounts;
  carts: CartStore;
  catalog: CatalogService;
  inventory: Inventory;
  payments: PaymentClient;
  shipments: ShipmentService;
  notifier: Notifier;
  orders: OrderStore;
  ids: IdSequence;
  clock: Clock;
}

/** Units of stock under this count after a reservation are worth a warning to the buyers. */
const LOW_STOCK = 3;

/**
 * The checkout of one cart, step by step: authenticate, validate the cart against the catalogue, reserve the
 * stock, price it (coupon), charge the card, create the shipment, queue the confirmation. Once stock is held,
 * any failure before the charge succeeds releases it; after the charge, the order stands and later problems
 * (a refused confirmation email) are reported but do not undo a paid order.
 */
export async function checkout(
  deps: CheckoutDeps,
  body: unknown,
  authorization: string | undefined,
  log: Logger,
): Promise<Order> {
  const request = parseCheckout(body, deps.clock.now());
  log.info(
    { step: 'receiveRequest', cartId: request.cartId },
    `POST /checkout received cart=${request.cartId}`,
  );

  const auth = await timed(() => deps.accounts.authenticate(authorization));
  const user = auth.value;
  log.info(
    { step: 'authenticate', durationMs: auth.ms, userId: user.id },
    `user ${user.id} authenticated via token took ${auth.ms} ms`,
  );

  const cart = deps.carts.get(request.cartId);
  if (!cart) throw notFound('cart', request.cartId);
  if (cart.checkedOutAs)
    throw new HttpError(409, 'already_checked_out', `cart ${cart.id} is already order ${cart.checkedOutAs}`);
  const email = request.email ?? user.email;
  if (!deps.notifier.isValidEmail(email))
    throw badRequest('invalid_email', `${email} is not an email address`);

  const validation = await timed(async () =>
    validateCart(cart.lines, await deps.catalog.getMany(cart.lines.map((l) => l.sku))),
  );
  const valid = validation.value;
  for (const sku of valid.dropped) {
    log.warn({ step: 'validateCart', sku }, `cart contains discontinued sku=${sku}, ignoring it`);
  }
  const units = valid.lines.reduce((n, l) => n + l.quantity, 0);
  log.info(
    { step: 'validateCart', durationMs: validation.ms, items: units },
    `cart validated items=${units} total=${formatCents(valid.subtotalCents)} took ${validation.ms} ms`,
  );

  const reservation = await timed(() => deps.inventory.reserve(valid.lines));
  const held = reservation.value;
  for (const line of valid.lines) {
    const remaining = deps.inventory.available(line.sku);
    if (remaining < LOW_STOCK) {
      log.warn(
        { step: 'reserveInventory', sku: line.sku },
        `inventory low sku=${line.sku} remaining=${remaining}`,
      );
    }
  }
  log.info(
    { step: 'reserveInventory', durationMs: reservation.ms, reservationId: held.id },
    `reserved ${units} items in warehouse ${held.warehouse} took ${reservation.ms} ms`,
  );

  const orderId = deps.ids.take('o');
  let charged = false;
  try {
    const pricing = await timed(() => quote(valid.lines, request.coupon, deps.clock.now()));
    const price = pricing.value;
    if (price.coupon) {
      log.info(
        { step: 'applyDiscount', durationMs: pricing.ms, coupon: price.coupon },
        `applied coupon ${price.coupon} discount=${formatCents(price.couponDiscountCents)} took ${pricing.ms} ms`,
      );
    }

    const payment = await timed(() =>
      deps.payments.charge(price.totalCents, request.card, `order-${orderId}`),
    ).catch((error: unknown) => {
      log.error({ step: 'chargePayment', err: error }, `payment failed for order ${orderId}`);
      throw error;
    });
    charged = true;
    log.info(
      { step: 'chargePayment', durationMs: payment.ms, paymentId: payment.value.id },
      `charged ${formatCents(price.totalCents)} ${config.currency} to card ****${lastFour(request.card)} auth=${payment.value.authCode} took ${payment.ms} ms`,
    );
    deps.inventory.commit(held.id);
    cart.checkedOutAs = orderId;

    const weight = valid.lines.reduce((g, l) => g + l.weightGrams, 0);
    const shipping = await timed(() => deps.shipments.create(request.address, weight));
    log.info(
      { step: 'createShipment', durationMs: shipping.ms, shipmentId: shipping.value.id },
      `shipment ${shipping.value.id} created carrier=${shipping.value.carrier} took ${shipping.ms} ms`,
    );

    const order: Order = {
      id: orderId,
      userId: user.id,
      cartId: cart.id,
      lines: valid.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPriceCents: l.unitPriceCents })),
      quote: price,
      paymentId: payment.value.id,
      reservationId: held.id,
      shipmentId: shipping.value.id,
      carrier: shipping.value.carrier,
      confirmation: 'queued',
      createdAt: deps.clock.now(),
    };
    try {
      const confirm = await timed(() =>
        deps.notifier.queueConfirmation(email, orderId, formatCents(price.totalCents)),
      );
      log.info(
        { step: 'sendConfirmation', durationMs: confirm.ms },
        `confirmation email queued for ${user.id} took ${confirm.ms} ms`,
      );
    } catch (error) {
      order.confirmation = 'failed';
      log.warn({ step: 'sendConfirmation', err: error }, `confirmation email failed for ${user.id}`);
    }
    deps.orders.save(order);
    return order;
  } catch (error) {
    if (!charged) {
      const rollback = await timed(() => deps.inventory.release(held.id));
      log.info(
        { step: 'rollbackInventory', durationMs: rollback.ms, reservationId: held.id },
        `released ${units} items in warehouse ${held.warehouse} took ${rollback.ms} ms`,
      );
    }
    throw error;
  }
}
