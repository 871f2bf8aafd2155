// Bundles the TypeScript sources into dist/kplane.mjs (npm packages stay external).
// Runs on `npm ci` (prepare), before `npm test`, and by hand with `npm run build`.
import { build } from "esbuild";

await build({
  entryPoints: ["src/cli/main.ts"],
  outfile: "dist/kplane.mjs",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  sourcemap: "linked",
  logLevel: "warning",
});
