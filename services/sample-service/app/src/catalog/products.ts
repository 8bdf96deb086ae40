export interface Product {
  sku: string;
  name: string;
  category: string;
  priceCents: number;
  /** Shipping weight of one unit. */
  weightGrams: number;
  /** Discontinued products stay readable but can no longer be bought. */
  discontinued: boolean;
}

/** The catalogue the service starts with. */
export const seedProducts: readonly Product[] = [
  {
    sku: 'SKU-1001',
    name: 'Espresso beans 1 kg',
    category: 'coffee',
    priceCents: 1890,
    weightGrams: 1000,
    discontinued: false,
  },
  {
    sku: 'SKU-1002',
    name: 'Filter coffee 500 g',
    category: 'coffee',
    priceCents: 990,
    weightGrams: 500,
    discontinued: false,
  },
  {
    sku: 'SKU-1003',
    name: 'Decaf beans 250 g',
    category: 'coffee',
    priceCents: 690,
    weightGrams: 250,
    discontinued: false,
  },
  {
    sku: 'SKU-1004',
    name: 'Single origin Ethiopia 250 g',
    category: 'coffee',
    priceCents: 1290,
    weightGrams: 250,
    discontinued: false,
  },
  {
    sku: 'SKU-2001',
    name: 'Pour-over dripper',
    category: 'brewing',
    priceCents: 2490,
    weightGrams: 400,
    discontinued: false,
  },
  {
    sku: 'SKU-2002',
    name: 'Paper filters (100)',
    category: 'brewing',
    priceCents: 450,
    weightGrams: 150,
    discontinued: false,
  },
  {
    sku: 'SKU-2003',
    name: 'Gooseneck kettle',
    category: 'brewing',
    priceCents: 5990,
    weightGrams: 1200,
    discontinued: false,
  },
  {
    sku: 'SKU-2004',
    name: 'French press 1 l',
    category: 'brewing',
    priceCents: 3490,
    weightGrams: 900,
    discontinued: false,
  },
  {
    sku: 'SKU-3001',
    name: 'Burr grinder',
    category: 'grinders',
    priceCents: 12900,
    weightGrams: 2800,
    discontinued: false,
  },
  {
    sku: 'SKU-3002',
    name: 'Hand grinder',
    category: 'grinders',
    priceCents: 6900,
    weightGrams: 700,
    discontinued: false,
  },
  {
    sku: 'SKU-4001',
    name: 'Ceramic mug',
    category: 'cups',
    priceCents: 1200,
    weightGrams: 350,
    discontinued: false,
  },
  {
    sku: 'SKU-4002',
    name: 'Travel mug',
    category: 'cups',
    priceCents: 1990,
    weightGrams: 300,
    discontinued: false,
  },
  {
    sku: 'SKU-4003',
    name: 'Espresso cups (set of 2)',
    category: 'cups',
    priceCents: 1590,
    weightGrams: 400,
    discontinued: false,
  },
  {
    sku: 'SKU-5001',
    name: 'Descaling tablets',
    category: 'care',
    priceCents: 790,
    weightGrams: 120,
    discontinued: false,
  },
  {
    sku: 'SKU-5002',
    name: 'Cleaning brush',
    category: 'care',
    priceCents: 390,
    weightGrams: 60,
    discontinued: false,
  },
  {
    sku: 'SKU-9001',
    name: 'Moka pot (old model)',
    category: 'brewing',
    priceCents: 2290,
    weightGrams: 800,
    discontinued: true,
  },
];

/** Units in stock per SKU and warehouse at start. */
export const seedStock: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  'SKU-1001': { 'wh-1': 40, 'wh-2': 25 },
  'SKU-1002': { 'wh-1': 60 },
  'SKU-1003': { 'wh-2': 12 },
  'SKU-1004': { 'wh-1': 8, 'wh-3': 4 },
  'SKU-2001': { 'wh-1': 15 },
  'SKU-2002': { 'wh-1': 200, 'wh-2': 100 },
  'SKU-2003': { 'wh-3': 5 },
  'SKU-2004': { 'wh-2': 9 },
  'SKU-3001': { 'wh-3': 3 },
  'SKU-3002': { 'wh-1': 1 },
  'SKU-4001': { 'wh-1': 50, 'wh-2': 50 },
  'SKU-4002': { 'wh-2': 30 },
  'SKU-4003': { 'wh-2': 14 },
  'SKU-5001': { 'wh-1': 80 },
  'SKU-5002': { 'wh-1': 70 },
  'SKU-9001': { 'wh-3': 2 },
};
