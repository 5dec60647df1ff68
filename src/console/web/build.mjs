// Bundles the console into OUT_DIR (index.html, app.js, app.css) with esbuild, minified, no
// source maps: what the binary embeds (src/console/CMakeLists.txt runs this at build time).
//   node build.mjs OUT_DIR NODE_MODULES_DIR
import * as path from "node:path";
import * as fs from "node:fs";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const [outDir, modules] = process.argv.slice(2);
if (!outDir || !modules) {
  console.error("usage: node build.mjs OUT_DIR NODE_MODULES_DIR");
  process.exit(2);
}
const esbuild = await import(path.join(path.resolve(modules), "esbuild", "lib", "main.js"));
fs.mkdirSync(outDir, { recursive: true });
await esbuild.build({
  entryPoints: { app: path.join(here, "src", "main.jsx") },
  outdir: outDir,
  bundle: true,
  minify: true,
  format: "iife",
  target: ["chrome100", "firefox100", "safari15"],
  jsx: "automatic",
  jsxImportSource: "preact",
  nodePaths: [path.resolve(modules)],
  loader: { ".css": "css" },
  logLevel: "warning",
  legalComments: "none",
});
fs.copyFileSync(path.join(here, "src", "index.html"), path.join(outDir, "index.html"));
