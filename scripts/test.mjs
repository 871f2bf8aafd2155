// Runs every *.test.ts under src/ and test/ with node's test runner (Node 20 does not expand
// globs itself). Extra arguments are passed to `node --test` (e.g. --test-name-pattern=...).
// KPLANE_TEST_FILTER=substring limits the files.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const files = [];
const walk = (dir) => {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === "node_modules" || e.name.startsWith(".")) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith(".test.ts")) files.push(relative(root, p));
  }
};
walk(join(root, "src"));
walk(join(root, "test"));
const filter = process.env.KPLANE_TEST_FILTER;
const chosen = files.sort().filter((f) => !filter || f.includes(filter));
// Objects the API server's watch caches share are frozen deeply under test (KPLANE_FREEZE, also
// for the kplane processes the tests start): a write to one throws instead of going unnoticed.
const r = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", ...process.argv.slice(2), ...chosen], {
  cwd: root,
  stdio: "inherit",
  env: { KPLANE_FREEZE: "deep", ...process.env },
});
process.exit(r.status ?? 1);
