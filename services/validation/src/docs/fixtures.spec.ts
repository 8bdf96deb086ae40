// Test data of documentation.unit.spec.ts (named .spec.ts so that the package build leaves it out).
// Generated with git in a scratch repository: `git diff` of real edits, and the patched files they lead to.

export const FIX_PATCH = `diff --git a/CHANGELOG.md b/CHANGELOG.md
index 09053fd..f26c6fe 100644
--- a/CHANGELOG.md
+++ b/CHANGELOG.md
@@ -2,6 +2,8 @@
 
 ## Unreleased
 
+- Fixed: British labels crash (incident inc-7). \`formatAddress\` upper-cased a missing second line. Revert 8a1bc62.
+
 ## 1.4.0
 
 - Added: order tracking.
diff --git a/README.md b/README.md
index e4c80f1..1051edb 100644
--- a/README.md
+++ b/README.md
@@ -2,7 +2,7 @@
 
 Carts, discounts, inventory reservations and payments over HTTP.
 
-## Configuration
+## Settings
 
 See [the API](docs/api.md) and the [license](/LICENSE).
 
@@ -15,4 +15,28 @@ const app = createApp({ paymentUrl: 'http://127.0.0.1:9000' });
 
 ## Usage
 
-Run \`npm start\`.
+Run \`npm start\`. The [charges](docs/api.md#charges), [refunds](docs/api.md#refunds), [missing page](docs/missing.md),
+[back to settings](#settings), [usage again](#usage-1), [nope](#nope), [escape](../../etc/passwd), [site](https://example.com/x),
+not a link: \`[x](nowhere.md)\`, and <https://example.org>.
+
+\`\`\`json
+{ "port": 8080, }
+\`\`\`
+
+\`\`\`ts
+const total: number = lines.reduce((s, l) => s + l.cents, 0;
+\`\`\`
+
+\`\`\`ts ignore
+const x = ...;
+\`\`\`
+
+\`\`\`js
+const y: number = 1;
+\`\`\`
+
+\`\`\`ts
+export function ok(a: number): number { return a + 1; }
+\`\`\`
+
+Back to [configuration](#configuration).
diff --git a/src/app.ts b/src/app.ts
index cc798ff..66d48fc 100644
--- a/src/app.ts
+++ b/src/app.ts
@@ -1 +1 @@
-export const a = 1;
+export const a = 2;
`;

export const PATCHED_README = `# checkout-service

Carts, discounts, inventory reservations and payments over HTTP.

## Settings

See [the API](docs/api.md) and the [license](/LICENSE).

## Usage

\`\`\`ts
import { createApp } from './src/app.js';
const app = createApp({ paymentUrl: 'http://127.0.0.1:9000' });
\`\`\`

## Usage

Run \`npm start\`. The [charges](docs/api.md#charges), [refunds](docs/api.md#refunds), [missing page](docs/missing.md),
[back to settings](#settings), [usage again](#usage-1), [nope](#nope), [escape](../../etc/passwd), [site](https://example.com/x),
not a link: \`[x](nowhere.md)\`, and <https://example.org>.

\`\`\`json
{ "port": 8080, }
\`\`\`

\`\`\`ts
const total: number = lines.reduce((s, l) => s + l.cents, 0;
\`\`\`

\`\`\`ts ignore
const x = ...;
\`\`\`

\`\`\`js
const y: number = 1;
\`\`\`

\`\`\`ts
export function ok(a: number): number { return a + 1; }
\`\`\`

Back to [configuration](#configuration).
`;

export const PATCHED_CHANGELOG = `# Changelog

## Unreleased

- Fixed: British labels crash (incident inc-7). \`formatAddress\` upper-cased a missing second line. Revert 8a1bc62.

## 1.4.0

- Added: order tracking.
`;

export const API_DOC = `# API

## Charges

\`POST /checkout\` charges the card.

## Errors

A declined card answers 402.
`;

export const HEADING_RENAME_PATCH = `diff --git a/docs/api.md b/docs/api.md
index d01abeb..cc1004c 100644
--- a/docs/api.md
+++ b/docs/api.md
@@ -1,6 +1,6 @@
 # API
 
-## Charges
+## Payments
 
 \`POST /checkout\` charges the card.
 
`;

export const API_DOC_RENAMED = `# API

## Payments

\`POST /checkout\` charges the card.

## Errors

A declined card answers 402.

Retries: see [charges](#charges).
`;

export const MOVE_PATCH = `diff --git a/LICENSE b/LICENSE
deleted file mode 100644
index a22a2da..0000000
--- a/LICENSE
+++ /dev/null
@@ -1 +0,0 @@
-MIT
diff --git a/docs/api.md b/docs/api reference.md
similarity index 100%
rename from docs/api.md
rename to docs/api reference.md
diff --git a/docs/guide.md b/docs/guide.md
new file mode 100644
index 0000000..ce8ab2b
--- /dev/null
+++ b/docs/guide.md
@@ -0,0 +1,3 @@
+# Guide
+
+Read the [API](api%20reference.md#errors) and [old](api.md).
`;
