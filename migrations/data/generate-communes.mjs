#!/usr/bin/env node
// Regenerates communes.tsv from the npm package @etalab/decoupage-administratif (MIT).
// Usage: node generate-communes.mjs [path/to/package/data/communes.json]
// Without an argument it fetches the pinned package with `npm pack` into a temp dir.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE = "@etalab/decoupage-administratif@6.0.0";
const here = dirname(fileURLToPath(import.meta.url));

function sourcePath() {
  if (process.argv[2]) return process.argv[2];
  const dir = mkdtempSync(join(tmpdir(), "cog-"));
  const tarball = execFileSync("npm", ["pack", PACKAGE, "--silent"], { cwd: dir }).toString().trim();
  execFileSync("tar", ["xzf", tarball], { cwd: dir });
  return join(dir, "package", "data", "communes.json");
}

const clean = (s) => String(s ?? "").replace(/[\t\r\n]/g, " ");
const all = JSON.parse(readFileSync(sourcePath(), "utf8"));
const rows = all
  .filter((c) => c.type === "commune-actuelle")
  .sort((a, b) => a.code.localeCompare(b.code))
  .map((c) =>
    [c.code, c.nom, c.departement, c.region, c.siren, (c.codesPostaux ?? []).join(" "), c.population]
      .map(clean)
      .join("\t"),
  );
const header = "insee_code\tname\tdepartment\tregion\tsiren\tpostal_codes\tpopulation";
writeFileSync(join(here, "communes.tsv"), [header, ...rows].join("\n") + "\n");
console.log(`wrote ${rows.length} communes from ${PACKAGE}`);
