// The benches' command line: `--name value` options, `--name` flags, and `--help`/`-h`, which
// prints the script's leading `//` comment block (its usage) and exits.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Parses process.argv for the script at `scriptUrl` (its import.meta.url). */
export function cliArgs(scriptUrl) {
  const args = process.argv.slice(2);
  const opt = (name, dflt) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : dflt;
  };
  const flag = (name) => args.includes(`--${name}`);
  if (flag("help") || args.includes("-h")) {
    const lines = readFileSync(fileURLToPath(scriptUrl), "utf8").split("\n").slice(1);
    process.stdout.write(lines.slice(0, lines.findIndex((l) => !l.startsWith("//"))).map((l) => l.slice(3)).join("\n") + "\n");
    process.exit(0);
  }
  return { args, opt, flag };
}
