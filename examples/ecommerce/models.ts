/**
 * The shop's models, in one table:
 *
 *   pk                sk               item
 *   PRODUCT#{sku}     PRODUCT          a product: price and stock (never below zero)
 *   CUSTOMER#{id}     CART#{sku}       a line of the customer's cart
 *   CUSTOMER#{id}     ORDER#{orderId}  an order; ids sort by time, so a query reads the history in order
 */
import * as attr from '../../src/attr.js';
import { model, type Item } from '../../src/index.js';

export const Product = model('Product', {
  table: 'shop',
  attributes: {
    pk: attr.template('PRODUCT#{sku}').partitionKey(),
    sk: attr.template('PRODUCT').sortKey(),
    sku: attr.string().loggable(),
    name: attr.string(),
    price: attr.cents().validate((n) => n > 0 || 'must be positive'),
    /**
     * Units left. Orders take them with `add(-n)` on the condition `stock >= n`, so it never goes
     * below zero. (No `.validate(n >= 0)` here: a validator also checks an `add()` operand, and -n is
     * the change, not the new value.)
     */
    stock: attr.integer(),
  },
});
export type Product = Item<typeof Product>;

export const CartLine = model('CartLine', {
  table: 'shop',
  attributes: {
    pk: attr.template('CUSTOMER#{customerId}').partitionKey(),
    sk: attr.template('CART#{sku}').sortKey(),
    customerId: attr.string().loggable(),
    sku: attr.string().loggable(),
    quantity: attr.integer().validate((n) => (n >= 1 && n <= 100) || 'from 1 to 100'),
  },
});
export type CartLine = Item<typeof CartLine>;

export const Order = model('Order', {
  table: 'shop',
  attributes: {
    pk: attr.template('CUSTOMER#{customerId}').partitionKey(),
    sk: attr.template('ORDER#{orderId}').sortKey(),
    customerId: attr.string().loggable(),
    orderId: attr.string().loggable(),
    /** What was bought, at the price of the moment. */
    lines: attr.list(attr.object({ sku: attr.string(), quantity: attr.integer(), price: attr.cents() })),
    total: attr.cents(),
    status: attr.enum(['placed', 'shipped', 'cancelled']),
    createdAt: attr.createdAt(),
  },
});
export type Order = Item<typeof Order>;
